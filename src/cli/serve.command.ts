// `domicile serve`: open the runtime, optionally seed the demo, listen, and shut down cleanly.
import pino from 'pino';
import type { Config } from '../config/config.js';
import { openRuntime } from '../app/runtime.js';
import { seedDemo } from '../demo/demo.world.js';
import { buildApp } from '../http/app.js';

export async function runServe(props: { config: Config; demo: boolean }): Promise<void> {
  const logger = pino({
    level: process.env.LOG_LEVEL ?? 'info',
    // Tokens and passwords never reach the log; personal data is logged as ids only.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'password', 'token'], remove: true },
  });
  // --demo also turns on demo mode: operators on loopback may simulate a source address.
  const runtime = await openRuntime(
    { ...props.config, demo: props.config.demo || props.demo },
    { serving: true, onBackgroundError: (err, what) => logger.error({ err }, `${what} failed; it is tried again at the next poll`) },
  );
  if (runtime.config.demo) logger.warn('demo mode: operators on loopback may simulate their source address; never run a deployment like this');
  if (props.demo) {
    const seeded = await seedDemo(runtime);
    logger.info({ seeded }, seeded ? 'demo world seeded' : 'demo world already present');
  }
  const app = await buildApp({ runtime, logger, lazySchemas: true });
  await app.listen({ port: props.config.port, host: props.config.host });
  const cells = runtime.cells.all().map((c) => `${c.id} (${c.jurisdiction})`).join(', ');
  logger.info({ dataDir: props.config.dataDir, cells }, `Domicile is serving at http://localhost:${props.config.port}`);

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    await app.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
