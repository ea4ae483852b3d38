// Starts the shared test services once per run (filled in by the storage harness).
export default function setup(): void {}
