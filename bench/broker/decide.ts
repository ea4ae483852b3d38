// Decision latency of the policy engine on the default policies: uncached (cache flushed before
// every call, so each call crosses into Cedar) and cached (repeat decisions). Prints p50/p99.
// Run: npx tsx bench/broker/decide.ts [iterations]

import { PolicyEngine } from '../../src/governance/policy/policy.engine.js';
import { defaultPolicyDir } from '../../src/governance/policy/policy.files.js';
import type { AccessRequest } from '../../src/governance/policy/policy.request.js';
import { withRequest } from '../../src/governance/policy/policy.test-support.js';

const ITERATIONS = Number(process.argv[2] ?? 20_000);
const WARMUP = 2_000;

const requests: readonly AccessRequest[] = [
  withRequest({ transferBasisCountries: ['DE', 'GB'], blockedJurisdictions: ['CN'] }),
  {
    operator: { id: 'op-kr-1', employer: { entity: 'Domicile Korea', country: 'KR' }, officeCountry: 'KR', roles: ['support', 'moderator'] },
    action: 'read',
    subject: { id: 'user-jp-2', jurisdiction: 'JP', class: 'consumer' },
    category: 'user.content.message',
    physicalCountry: 'KR',
    purpose: 'ABUSE_REPORT',
    grant: { id: 'grant-1', approved: true },
    transferBasisCountries: ['KR'],
    blockedJurisdictions: ['CN'],
  },
  {
    operator: { id: 'op-cn-1', employer: { entity: 'Domicile China', country: 'CN' }, officeCountry: 'CN', roles: ['engineer'] },
    action: 'write',
    subject: { id: 'city-1', jurisdiction: 'JP', class: 'government' },
    category: 'user.financial.payment',
    physicalCountry: 'CN',
    purpose: 'SERVICE_OPERATION',
    grant: null,
    transferBasisCountries: [],
    blockedJurisdictions: ['CN'],
  },
];

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function measure(label: string, engine: PolicyEngine, before: () => void): void {
  const samples = new Float64Array(ITERATIONS);
  for (let i = 0; i < WARMUP; i += 1) {
    before();
    engine.decide(requests[i % requests.length] as AccessRequest);
  }
  for (let i = 0; i < ITERATIONS; i += 1) {
    const request = requests[i % requests.length] as AccessRequest;
    before();
    const start = process.hrtime.bigint();
    engine.decide(request);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  const p50 = percentile(samples, 0.5).toFixed(2);
  const p99 = percentile(samples, 0.99).toFixed(2);
  console.log(`${label.padEnd(10)} n=${ITERATIONS}  p50=${p50} µs  p99=${p99} µs`);
}

const engine = await PolicyEngine.open({ dir: defaultPolicyDir() });
console.log(`policies: ${engine.policyIds.length}, key attributes: ${engine.readAttributes.length}, node ${process.version}`);
for (const request of requests) console.log(`  ${request.operator.id} → ${JSON.stringify(engine.decide(request))}`);
measure('uncached', engine, () => engine.flush());
measure('cached', engine, () => undefined);
console.log(`cache: ${JSON.stringify(engine.cacheStats)}`);
