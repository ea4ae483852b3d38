import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedVectorPath, sharedVectorsDir } from './log.test-support.js';

describe('the shared test vectors', () => {
  it('are found in ../shared/vectors beside the repository', () => {
    expect(sharedVectorsDir).toBe(path.resolve(process.cwd(), '..', 'shared', 'vectors'));
    expect(sharedVectorPath('signed-note.json')).toBe(path.join(sharedVectorsDir, 'signed-note.json'));
  });

  it('fail the suite when missing, naming where they are expected', () => {
    const expected = path.join(sharedVectorsDir, 'rfc9162', 'no-such-kind');
    expect(() => sharedVectorPath('rfc9162', 'no-such-kind')).toThrow(`shared test vectors are missing: expected ${expected}`);
  });
});
