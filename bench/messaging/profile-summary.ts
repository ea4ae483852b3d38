// Reads a V8 `.cpuprofile` (from bench/messaging/run.ts --profile, hot-path.ts --profile or
// `node --cpu-prof`) and prints the top functions by self and by inclusive time, in µs per
// message when `--messages N` is given (else in ms). Inclusive time counts a function once per
// sample even when it recurses. `(idle)` is the event loop waiting: left out of the percentages.
//
//   npx tsx bench/messaging/profile-summary.ts FILE.cpuprofile [--messages N] [--top 30]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { messages: { type: 'string' }, top: { type: 'string', default: '30' } } });
const file = positionals[0];
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [--messages N] [--top 30]');
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const messages = values.messages ? Number(values.messages) : null;
const top = Number(values.top);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: ProfileNode): string => {
  const where = n.callFrame.url ? `${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : '';
  return `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
};

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let busy = 0;
let idle = 0;
// A sample's duration is the delta to the next sample.
for (let i = 0; i < profile.samples.length; i += 1) {
  const us = profile.timeDeltas[i + 1] ?? 0;
  const node = byId.get(profile.samples[i] as number);
  if (!node) continue;
  if (node.callFrame.functionName === '(idle)') {
    idle += us;
    continue;
  }
  busy += us;
  self.set(label(node), (self.get(label(node)) ?? 0) + us);
  const seen = new Set<string>();
  for (let at: number | undefined = node.id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at) as ProfileNode);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
}

const unit = messages ? 'µs/msg' : 'ms';
const scale = (us: number): string => (messages ? (us / messages).toFixed(1) : (us / 1000).toFixed(1));
const table = (title: string, rows: Map<string, number>): void => {
  process.stdout.write(`\n${title} (${unit}, % of busy)\n`);
  for (const [name, us] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${scale(us).padStart(9)} ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}\n`);
  }
};
process.stdout.write(`busy ${scale(busy)} ${unit}, idle ${scale(idle)} ${unit}${messages ? ` (${messages} messages)` : ''}\n`);
table('self', self);
table('inclusive', inclusive);
