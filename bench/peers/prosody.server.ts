// Debian's Prosody as a second benchmark peer (the issue: "Prosody too, if it costs little"):
// installed with its system service kept from starting, configured from a directory of our own
// (prosody.cfg.lua: c2s on 127.0.0.1:25223 without TLS, registration open, accounts in memory, no
// offline storage or archive), run in the foreground as the `prosody` user and stopped by its pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installDebianPackage, portOpen, waitForPort, type PeerServer } from './peer-server.js';

export const prosodyPort = 25223;
const here = import.meta.dirname;

export function installProsody(): void {
  installDebianPackage('prosody', '/usr/bin/prosody');
}

export function prosodyVersion(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'prosody'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export async function startProsody(props: { cpu?: string | undefined } = {}): Promise<PeerServer> {
  if (!fs.existsSync('/usr/bin/prosody')) throw new Error('prosody is not installed; run with --install (as root) or apt-get install prosody');
  if (await portOpen(prosodyPort)) throw new Error(`port ${prosodyPort} is taken: is another prosody running?`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-prosody-'));
  fs.writeFileSync(path.join(dir, 'prosody.cfg.lua'), fs.readFileSync(path.join(here, 'prosody.cfg.lua'), 'utf8').replaceAll('@DIR@', dir));
  fs.mkdirSync(path.join(dir, 'data'));
  fs.mkdirSync(path.join(dir, 'certs'));
  execFileSync('chown', ['-R', 'prosody:prosody', dir]);
  fs.chmodSync(dir, 0o755);
  // setpriv execs (no forked session in between), so the child's pid is Prosody's, for its CPU time.
  // Prosody refuses to run as root, and its launcher is a Lua script: run the interpreter directly.
  const interpreter = fs.readFileSync('/usr/bin/prosody', 'utf8').split('\n', 1)[0]?.replace(/^#!\s*\/usr\/bin\/env\s+/, '').replace(/^#!\s*/, '') ?? 'lua';
  const command = ['setpriv', '--reuid=prosody', '--regid=prosody', '--init-groups', interpreter, '/usr/bin/prosody', '-F', '--config', path.join(dir, 'prosody.cfg.lua')];
  const child: ChildProcess = spawn(props.cpu !== undefined ? 'taskset' : (command[0] as string), props.cpu !== undefined ? ['-c', props.cpu, ...command] : command.slice(1), { stdio: 'ignore' });
  await waitForPort(prosodyPort, `prosody did not listen on ${prosodyPort} in 60 s; see ${dir}/prosody.log`);
  return {
    pid: () => child.pid ?? null,
    async stop() {
      child.kill('SIGTERM');
      for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i += 1) await new Promise((r) => setTimeout(r, 100));
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
