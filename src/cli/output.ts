// Where CLI commands write: injectable so tests can capture output without a subprocess.
import cliProgress from 'cli-progress';

export interface CliOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** A progress bar on a terminal; silent otherwise. */
  progress(label: string): { update(done: number, total: number, detail?: string): void; stop(): void };
}

export const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  progress(label) {
    if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% · {value}/{total}{detail}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, detail) {
        if (!started) {
          bar.start(total, 0, { detail: '' });
          started = true;
        }
        bar.setTotal(total);
        bar.update(done, { detail: detail ? ` · ${detail}` : '' });
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  },
};
