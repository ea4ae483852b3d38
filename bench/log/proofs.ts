// Benchmark of the access log's pure cores on a 1,000,000-leaf tree: canonical entry encoding,
// root recomputation from canonical bytes (target < 5 s), and inclusion / consistency proof
// generation and verification against per-level hash arrays. Run: npx tsx bench/log/proofs.ts
import { canonicalJsonBytes } from '../../src/governance/log/canonical.js';
import {
  CompactRange,
  buildLevels,
  consistencyProof,
  inclusionProof,
  leafHash,
  levelsHashAt,
  rootAt,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from '../../src/governance/log/merkle.js';

const LEAVES = Number(process.env.LEAVES ?? 1_000_000);
const PROOF_OPS = 100_000;

const rows: Array<[string, string]> = [];

function time<T>(label: string, run: () => T, format: (ms: number) => string = (ms) => `${(ms / 1000).toFixed(2)} s`): T {
  const start = performance.now();
  const result = run();
  rows.push([label, format(performance.now() - start)]);
  return result;
}

const perOp = (ops: number) => (ms: number) => `${((ms * 1000) / ops).toFixed(2)} µs/op`;

// A deterministic pseudo-random sequence so runs are comparable.
let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}

const countries = ['JP', 'KR', 'TW', 'TH', 'CN', 'US'];
const purposes = ['SUPPORT_CASE', 'ABUSE_REPORT', 'INCIDENT_RESPONSE', 'LEGAL_REQUEST', 'PAYMENT_SUPPORT'];

const entries = time(`canonical JSON of ${LEAVES.toLocaleString('en')} entries`, () =>
  Array.from({ length: LEAVES }, (_, i) =>
    canonicalJsonBytes({
      seq: i,
      at: new Date(1_750_000_000_000 + i * 1000).toISOString(),
      cell: 'jp-1',
      operator: { id: `op-${i % 500}`, employer: 'Domicile KK', officeCountry: 'JP', physicalCountry: countries[i % 6] ?? 'JP' },
      purpose: { code: purposes[i % 5] ?? 'SUPPORT_CASE', caseRef: `CASE-${100_000 + (i % 9973)}` },
      subject: `u-${(i * 7919) % 1_000_003}`,
      categories: ['user.contact.phone_number', 'user.content.message'],
      decision: i % 17 === 0 ? 'deny' : 'allow',
      policyVersion: 'p-2025-06-01',
    }),
  ),
);
const avgBytes = entries.reduce((n, e) => n + e.length, 0) / entries.length;

const root = time('root from canonical bytes (leaf hash + compact range)', () => {
  const range = new CompactRange();
  for (const e of entries) range.append(leafHash(e));
  return range.root();
});

const leaves = time('leaf hashes only', () => entries.map((e) => leafHash(e)));
const levels = time('per-level hash arrays (buildLevels)', () => buildLevels(leaves));
const hashAt = levelsHashAt(levels);
if (!Buffer.from(rootAt(hashAt, LEAVES)).equals(root)) throw new Error('roots disagree');

const indices = Array.from({ length: PROOF_OPS }, () => Math.floor(random() * LEAVES));
const proofs = time(`inclusion proof generation (${PROOF_OPS.toLocaleString('en')} random leaves)`, () => indices.map((i) => inclusionProof(hashAt, i, LEAVES)), perOp(PROOF_OPS));
time(
  'inclusion proof verification',
  () => {
    indices.forEach((index, k) => {
      if (!verifyInclusion(leaves[index] as Hash, index, LEAVES, proofs[k] as Hash[], root)) throw new Error(`leaf ${index} failed`);
    });
  },
  perOp(PROOF_OPS),
);

const CONS_OPS = 20_000;
const pairs = Array.from({ length: CONS_OPS }, () => 1 + Math.floor(random() * (LEAVES - 1)));
const oldRoots = pairs.map((size) => rootAt(hashAt, size));
const consProofs = time(`consistency proof generation (${CONS_OPS.toLocaleString('en')} random sizes)`, () => pairs.map((s) => consistencyProof(hashAt, s, LEAVES)), perOp(CONS_OPS));
time(
  'consistency proof verification',
  () => {
    pairs.forEach((size, k) => {
      if (!verifyConsistency(size, LEAVES, consProofs[k] as Hash[], oldRoots[k] as Hash, root)) throw new Error(`size ${size} failed`);
    });
  },
  perOp(CONS_OPS),
);

const width = Math.max(...rows.map(([label]) => label.length));
console.log(`\nDomicile access-log proofs — ${LEAVES.toLocaleString('en')} leaves, ${avgBytes.toFixed(0)} bytes/entry avg, Node ${process.version}`);
console.log(`root ${root.toString('hex')}\n`);
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
