// Summarises a V8 `.cpuprofile` (from `--cpu-prof`): self and total time per function, and self
// time per source file, over the samples taken in the last `--last` seconds (the measured window
// of a load run, leaving out start-up and sign-ups; `--last 0`: all of them, for a profile of the
// window only, as bench/messaging/run.ts --profile takes). `--messages N` gives the times in µs
// per message.
//
//   npx tsx bench/support/cpu-profile.summary.ts FILE.cpuprofile [--last 10] [--top 40] [--match text] [--messages N]
import fs from 'node:fs';
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

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { last: { type: 'string', default: '10' }, top: { type: 'string', default: '40' }, match: { type: 'string' }, messages: { type: 'string' } },
});
const profile = JSON.parse(fs.readFileSync(positionals[0] as string, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const times: number[] = [];
let t = 0;
for (const d of profile.timeDeltas) times.push((t += d));
const end = t;
const from = Number(values.last) > 0 ? end - Number(values.last) * 1e6 : -Infinity;
const messages = values.messages ? Number(values.messages) : null;
// Times are summed in ms; per message they are shown in µs.
const shown = (ms: number): string => (messages ? `${((ms * 1000) / messages).toFixed(1).padStart(9)} µs/msg` : `${ms.toFixed(1).padStart(9)} ms`);

const short = (url: string): string => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'nm:').replace(/^.*\/wt-[a-z]+\//, '');
const label = (n: ProfileNode): string => `${n.callFrame.functionName || '(anon)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const self = new Map<string, number>();
const total = new Map<string, number>();
const files = new Map<string, number>();
let counted = 0;
let idle = 0;
for (let i = 0; i < profile.samples.length; i += 1) {
  if ((times[i] as number) < from) continue;
  const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  const leaf = byId.get(profile.samples[i] as number) as ProfileNode;
  if (leaf.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  counted += dt;
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
  const file = short(leaf.callFrame.url) || leaf.callFrame.functionName;
  files.set(file, (files.get(file) ?? 0) + dt);
  const seen = new Set<string>();
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
    const l = label(byId.get(id) as ProfileNode);
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + dt);
  }
}
const top = Number(values.top);
const print = (title: string, m: Map<string, number>): void => {
  process.stdout.write(`\n## ${title}\n`);
  const rows = [...m].filter(([k]) => !values.match || k.includes(values.match)).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, v] of rows) process.stdout.write(`${shown(v)} ${((100 * v) / counted).toFixed(1).padStart(5)} %  ${k}\n`);
};
process.stdout.write(`busy ${shown(counted).trim()}, idle ${shown(idle).trim()} ${from === -Infinity ? 'over the whole profile' : `over the last ${values.last} s`}\n`);
print('self', self);
print('self by file', files);
print('total (inclusive)', total);
