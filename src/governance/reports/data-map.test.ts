import { describe, expect, it } from 'vitest';
import { cachedDataMap, type DataMap } from './data-map.js';

const mapAt = (at: Date): DataMap => ({ generatedAt: at.toISOString(), scannedAt: at.toISOString(), cells: [], accessWindow: { since: at.toISOString(), until: at.toISOString() }, accesses: [] });

describe('cachedDataMap', () => {
  it('gathers once per TTL, shares a gathering in flight, and does not keep a failure', async () => {
    let clock = Date.parse('2026-12-01T00:00:00Z');
    let gathered = 0;
    let fail = false;
    const dataMap = cachedDataMap({
      now: () => new Date(clock),
      ttlMs: 1_000,
      gather: async (at) => {
        gathered += 1;
        if (fail) throw new Error('scan failed');
        return mapAt(at);
      },
    });
    const [a, b] = await Promise.all([dataMap(), dataMap()]);
    expect(gathered).toBe(1);
    expect(b).toBe(a);
    clock += 999;
    expect((await dataMap()).generatedAt).toBe(a.generatedAt);
    expect(gathered).toBe(1);
    clock += 1;
    expect((await dataMap()).generatedAt).toBe(new Date(clock).toISOString());
    expect(gathered).toBe(2);

    clock += 5_000;
    fail = true;
    await expect(dataMap()).rejects.toThrow('scan failed');
    fail = false;
    expect((await dataMap()).generatedAt).toBe(new Date(clock).toISOString());
    expect(gathered).toBe(4);
  });
});
