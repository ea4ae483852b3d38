// The runtime floor of the `domicile` command: kept apart from everything else so that an old
// Node can load it and say what to do before any module that needs a newer Node is imported.
export const MINIMUM_NODE_MAJOR = 24;

/** The one line to print when `version` (e.g. `v20.20.2`) is too old, or undefined if it will do. */
export function nodeVersionRefusal(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? Number.NaN);
  if (major >= MINIMUM_NODE_MAJOR) return undefined;
  return `domicile needs Node.js ${MINIMUM_NODE_MAJOR} or newer (this is ${version}): run it as \`npx domicile …\`, which uses the Node ${MINIMUM_NODE_MAJOR} installed with the project, or with Node ≥ ${MINIMUM_NODE_MAJOR}.`;
}
