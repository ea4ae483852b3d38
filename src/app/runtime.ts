// The running system without its HTTP edge: cells, directory, messaging and realtime, opened
// from a configuration. The server, the CLI and the tests all start from here.
import { openCells, type CellRegistry } from '../cells/cell.registry.js';
import { openDirectory, type Directory } from '../cells/directory.js';
import type { Config } from '../config/config.js';
import { createMessagingContext, type MessagingContext } from '../messaging/messaging.context.js';
import { createRealtimeHub, type RealtimeHub } from '../messaging/realtime.hub.js';

export interface Runtime {
  config: Config;
  cells: CellRegistry;
  directory: Directory;
  messaging: MessagingContext;
  hub: RealtimeHub;
  close(): Promise<void>;
}

export async function openRuntime(config: Config): Promise<Runtime> {
  const cells = await openCells(config);
  let directory: Directory;
  try {
    directory = await openDirectory(config.directoryDatabase);
  } catch (err) {
    await cells.close();
    throw err;
  }
  const hub = createRealtimeHub();
  const messaging = createMessagingContext({ cells, directory, events: hub });
  return {
    config,
    cells,
    directory,
    messaging,
    hub,
    async close() {
      hub.closeAll();
      await Promise.all([...messaging.messageWriters.values()].map((w) => w.drain()));
      await Promise.all([...messaging.committers.values()].map((c) => c.drain()));
      await directory.close();
      await cells.close();
    },
  };
}
