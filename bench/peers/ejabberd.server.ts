// Debian's ejabberd as a benchmark peer, run as /work/shared/peers/README.md describes: installed
// with its system service kept from starting, configured from a directory of our own (c2s on
// 127.0.0.1:25222 without TLS, no shaper, listen backlog 1024, no offline storage, no archive),
// started in the foreground under its own user and stopped by ejabberdctl, then by its pid.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installDebianPackage, portOpen, waitForPort, type PeerServer } from './peer-server.js';

export const ejabberdPort = 25222;
const here = import.meta.dirname;

/** `apt-get install ejabberd` with services kept from starting. */
export function installEjabberd(): void {
  installDebianPackage('ejabberd', '/usr/sbin/ejabberdctl');
}

export function ejabberdVersion(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'ejabberd'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export async function startEjabberd(props: { cpu?: string | undefined } = {}): Promise<PeerServer> {
  if (!fs.existsSync('/usr/sbin/ejabberdctl')) throw new Error('ejabberd is not installed; run with --install (as root) or apt-get install ejabberd');
  if (await portOpen(ejabberdPort)) throw new Error(`port ${ejabberdPort} is taken: is another ejabberd running?`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ejabberd-'));
  fs.copyFileSync(path.join(here, 'ejabberd.yml'), path.join(dir, 'ejabberd.yml'));
  fs.copyFileSync('/etc/ejabberd/inetrc', path.join(dir, 'inetrc'));
  const pidFile = path.join(dir, 'ejabberd.pid');
  const ctl = fs.readFileSync(path.join(here, 'ejabberdctl.cfg'), 'utf8').replace(/^EJABBERD_PID_PATH=.*$/m, `EJABBERD_PID_PATH=${pidFile}`);
  fs.writeFileSync(path.join(dir, 'ejabberdctl.cfg'), ctl);
  fs.mkdirSync(path.join(dir, 'spool'));
  fs.mkdirSync(path.join(dir, 'log'));
  execFileSync('chown', ['-R', 'ejabberd:ejabberd', dir]);
  const args = [
    '--config-dir', dir,
    '--config', path.join(dir, 'ejabberd.yml'),
    '--ctl-config', path.join(dir, 'ejabberdctl.cfg'),
    '--logs', path.join(dir, 'log'),
    '--spool', path.join(dir, 'spool'),
  ];
  const command = props.cpu !== undefined ? ['taskset', '-c', props.cpu, 'ejabberdctl'] : ['ejabberdctl'];
  const child = spawn('setsid', [...command, ...args, 'foreground'], { stdio: 'ignore', detached: true });
  child.unref();
  const pid = (): number | null => {
    try {
      return Number(fs.readFileSync(pidFile, 'utf8').trim()) || null;
    } catch {
      return null;
    }
  };
  await waitForPort(ejabberdPort, `ejabberd did not listen on ${ejabberdPort} in 60 s; see ${dir}/log`);
  return {
    pid,
    async stop() {
      const vm = pid();
      try {
        execFileSync('ejabberdctl', [...args, 'stop'], { stdio: 'ignore', timeout: 30_000 });
      } catch {
        // stopped below by its pid
      }
      for (let i = 0; i < 100 && (await portOpen(ejabberdPort)); i += 1) await new Promise((r) => setTimeout(r, 100));
      if (vm !== null) {
        try {
          process.kill(vm, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
