// The shared preamble of the Domicile Pay kill -9 tests: a configuration with the story's wallets
// in KR and simulated funding, a real server process per cycle with demo people signed in (the
// payer topped up once), and a person's payment history read through every page.
import { expect } from 'vitest';
import type { PlacementRule } from '../../src/cells/placement.js';
import { writeTestConfig } from './cli.js';
import { spawnServer, type ServerProcess } from './process.js';
import { ApiClient } from './server.js';

export function payKill9Config(rules: PlacementRule[]): { file: string; dataDir: string } {
  return writeTestConfig({ placement: { rules }, pay: { simulatedFunding: true } });
}

/**
 * Starts the server on `file` and signs the demo people in (password `domicile-demo`); with
 * `topUp`, the first of them is topped up under that key (once: a later cycle passes none).
 */
export async function startPayServer<H extends string>(props: {
  file: string;
  demo?: boolean;
  people: readonly [H, ...H[]];
  topUp?: string;
}): Promise<{ server: ServerProcess; people: Record<H, ApiClient> }> {
  const server = await spawnServer({ configFile: props.file, ...(props.demo ? { demo: true } : {}) });
  const people = {} as Record<H, ApiClient>;
  for (const handle of props.people) {
    people[handle] = new ApiClient(server.url);
    await people[handle].signIn(handle, 'domicile-demo');
  }
  const payer = people[props.people[0]];
  if (props.topUp) expect((await payer.request('POST', '/v1/pay/topups', { amount: 900_000, idempotencyKey: props.topUp })).status).toBe(201);
  return { server, people };
}

export interface PayHistoryItem {
  id: string;
  direction: string;
  note: string | null;
}

/** Every item of a person's payment history, newest first. */
export async function payHistory(client: ApiClient): Promise<PayHistoryItem[]> {
  const items: PayHistoryItem[] = [];
  let before: number | null = null;
  do {
    const page = (await client.request('GET', `/v1/pay/history?limit=100${before ? `&before=${before}` : ''}`)).body as { items: PayHistoryItem[]; nextBefore: number | null };
    items.push(...page.items);
    before = page.nextBefore;
  } while (before);
  return items;
}
