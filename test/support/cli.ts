// Runs the `domicile` CLI in-process with captured output.
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/main.js';
import type { CliOutput } from '../../src/cli/output.js';
import { loadConfig, type ConfigFile } from '../../src/config/config.js';
import { assertRequestedDialect, requestedTestDialect, tempDir } from './databases.js';
import { storyRules } from './factories.js';

// The CLI loads a word's module when the word runs (src/cli/main.ts), which a spawned process
// needs; in-process tests load them all with the file instead, so module loading stays out of each
// test's time limit (a residency test went from 15 to 30 s under load with it inside).
await Promise.all([
  import('../../src/cli/access.command.js'),
  import('../../src/cli/incident.command.js'),
  import('../../src/cli/keys.command.js'),
  import('../../src/cli/log.command.js'),
  import('../../src/cli/migrate.command.js'),
  import('../../src/cli/notice.command.js'),
  import('../../src/cli/operator.command.js'),
  import('../../src/cli/pay.command.js'),
  import('../../src/cli/report.command.js'),
  import('../../src/cli/residency.command.js'),
  import('../../src/demo/demo.world.js'),
]);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runDomicile(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out: CliOutput = {
    stdout: (t) => (stdout += `${t}\n`),
    stderr: (t) => (stderr += `${t}\n`),
    progress: () => ({ update: () => undefined, stop: () => undefined }),
  };
  const code = await runCli(args, out);
  return { code, stdout, stderr };
}

/** A configuration file in a fresh folder: SQLite cells jp and kr, the story's placement rule. */
export function writeTestConfig(overrides: Partial<ConfigFile> = {}): { file: string; dataDir: string } {
  const dir = tempDir('domicile-cli');
  const dataDir = path.join(dir, 'data');
  const file = path.join(dir, 'domicile.config.json');
  const config: ConfigFile = {
    deployment: 'domicile.test',
    dataDir,
    cells: [
      { id: 'jp', jurisdiction: 'JP' },
      { id: 'kr', jurisdiction: 'KR' },
    ],
    placement: { rules: storyRules },
    ...overrides,
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  // Loaded only for the PostgreSQL pass: a test may write an invalid configuration on purpose.
  if (requestedTestDialect() === 'postgres') assertRequestedDialect(loadConfig({ file }), `the configuration ${file}`);
  return { file, dataDir };
}
