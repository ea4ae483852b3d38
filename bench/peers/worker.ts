// A forked generator process for bench/peers/run.ts `--workers N`: opens its share of the pairs,
// then runs each phase it is sent and answers with its raw samples (see generator.ts).
import { Generator, type GeneratorOptions, type Phase } from './generator.js';

let generator: Generator | null = null;

type Request = { type: 'open'; options: GeneratorOptions } | { type: 'run'; phase: Phase } | { type: 'close' };

function answer(message: { type: 'done'; value?: unknown } | { type: 'error'; error: string }): void {
  process.send?.(message);
}

process.on('message', (request: Request) => {
  const handle = async (): Promise<unknown> => {
    switch (request.type) {
      case 'open':
        generator = await Generator.open(request.options);
        return null;
      case 'run':
        if (!generator) throw new Error('run before open');
        return generator.run(request.phase);
      case 'close':
        await generator?.close();
        setImmediate(() => process.exit(0));
        return null;
    }
  };
  handle().then(
    (value) => answer({ type: 'done', value }),
    (err: unknown) => answer({ type: 'error', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
