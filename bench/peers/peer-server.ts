// What the XMPP peers of bench/peers share: installing a Debian package with its service kept from
// starting (a temporary policy-rc.d that exits 101, as ../shared/peers/README.md describes), and
// waiting for a server's port.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export interface PeerServer {
  stop(): Promise<void>;
  /** The server's process, for its CPU time. */
  pid(): number | null;
}

/** `apt-get install <name>` unless `binary` exists, with services kept from starting. */
export function installDebianPackage(name: string, binary: string): void {
  if (fs.existsSync(binary)) return;
  const policy = '/usr/sbin/policy-rc.d';
  const ours = !fs.existsSync(policy);
  if (ours) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', ['install', '-y', name], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } finally {
    if (ours) fs.rmSync(policy);
  }
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits up to 60 s for `port` to accept connections; throws `message` otherwise. */
export async function waitForPort(port: number, message: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(message);
}
