// Splits a V8 `.cpuprofile` of a process start into phases (module loading, Cedar compile, the
// schema contract check, Ajv, Fastify's route schemas, …): each sample goes to the first phase in
// the list whose pattern matches a frame of its stack. Sample times are wall clock, so on a busy
// machine read the shares and scale them by the process's CPU time.
//
//   npx tsx bench/support/cpu-profile.phases.ts FILE.cpuprofile [--cpu-ms N]
import fs from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

const phases: [string, RegExp][] = [
  ['policy: schema contract check', /^requestContractProblems /],
  ['policy: Cedar compile + validate', /^compilePolicySet /],
  ['policy: Cedar preparse', /^preparsePolicySet /],
  ['policy: verdict cache', /policy\.verdict-cache/],
  ['Ajv: repository schemas (schemas/*.json)', /^schemaCheck /],
  ['demo world seed', /^seedDemo /],
  ['Fastify: response serializers (fast-json-stringify)', /fast-json-stringify/],
  ['Fastify: route validators and the rest of app start', /^buildApp |nm:fastify\/|nm:avvio\//],
  ['runtime open (cells, migrations, logs)', /^openRuntime /],
  ['module load, compile and top-level code', /node:internal\/modules\/|^evaluate $/],
  ['garbage collector', /^\(garbage collector\)/],
];

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'cpu-ms': { type: 'string' } } });
const profile = JSON.parse(fs.readFileSync(positionals[0] as string, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const short = (url: string): string => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'nm:');
const phaseOf = new Map<number, string>();
function classify(leaf: number): string {
  const known = phaseOf.get(leaf);
  if (known !== undefined) return known;
  const frames: string[] = [];
  for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
    const { functionName, url } = (byId.get(id) as ProfileNode).callFrame;
    frames.push(`${functionName} ${short(url)}`);
  }
  const phase = phases.find(([, pattern]) => frames.some((f) => pattern.test(f)))?.[0] ?? 'other';
  phaseOf.set(leaf, phase);
  return phase;
}
const totals = new Map<string, number>();
let busy = 0;
profile.samples.forEach((sample, i) => {
  const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  const node = byId.get(sample) as ProfileNode;
  if (node.callFrame.functionName === '(idle)') return;
  busy += dt;
  const phase = classify(sample);
  totals.set(phase, (totals.get(phase) ?? 0) + dt);
});
const cpu = values['cpu-ms'] === undefined ? busy : Number(values['cpu-ms']);
process.stdout.write(`| phase | share | ≈ CPU ms (of ${cpu.toFixed(0)}) |\n|---|---:|---:|\n`);
for (const [phase, ms] of [...totals].sort((a, b) => b[1] - a[1])) {
  process.stdout.write(`| ${phase} | ${((100 * ms) / busy).toFixed(1)} % | ${((cpu * ms) / busy).toFixed(0)} |\n`);
}
