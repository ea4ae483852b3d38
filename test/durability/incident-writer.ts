// Child process for the incident kill -9 test: opens incidents one after another through the real
// use case, printing each id once it is acknowledged (the insert resolved).
import { directoryMigrations } from '../../src/app/schema.js';
import { openDirectory } from '../../src/cells/directory.js';
import { loadConfig } from '../../src/config/config.js';
import { openIncident } from '../../src/governance/reports/incidents.js';

const config = loadConfig({ file: process.argv[2] });
const directory = await openDirectory(config.directoryDatabase, directoryMigrations);
for (let n = 0; ; n++) {
  const now = new Date();
  const incident = await openIncident({
    directory,
    homes: ['JP'],
    input: { title: `kill9 #${n}`, knownAt: now.toISOString(), home: 'JP', actorOutside: 'JP', from: '2026-01-01', to: '2026-01-31' },
    by: 'system:local-cli',
    now,
  });
  process.stdout.write(`${n} ${incident.id}\n`);
}
