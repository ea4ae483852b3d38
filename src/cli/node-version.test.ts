import { describe, expect, it } from 'vitest';
import { nodeVersionRefusal } from './node-version.js';

describe('nodeVersionRefusal', () => {
  it('refuses an end-of-life Node with one line naming what to run', () => {
    const line = nodeVersionRefusal('v20.20.2');
    expect(line).toContain('v20.20.2');
    expect(line).toContain('npx domicile');
    expect(line).not.toContain('\n');
  });

  it('accepts Node 24 and newer', () => {
    expect(nodeVersionRefusal('v24.0.0')).toBeUndefined();
    expect(nodeVersionRefusal('v26.10.0')).toBeUndefined();
  });

  it('refuses what it cannot read', () => {
    expect(nodeVersionRefusal('unknown')).toBeDefined();
  });
});
