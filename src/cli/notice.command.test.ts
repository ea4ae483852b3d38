import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../governance/transfers/repo-files.js';
import { EXIT_INVALID, EXIT_UNREADABLE, EXIT_VALID, runNoticeValidate } from './notice.command.js';

async function run(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runNoticeValidate(file, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

const notices = (name: string): string => repoPath('registries', 'notices', name);

describe('domicile notice validate', () => {
  it('exits 0 for the Korea storage notice and names its destination', async () => {
    const result = await run(notices('jp-media-storage-kr.json'));
    expect(result.code).toBe(EXIT_VALID);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('notice jp-media-storage-kr v1');
    expect(result.stdout).toContain('KR (Seoul Cloud Co.)');
  });

  it('exits 0 for the country-not-yet-known notice and lists the candidates', async () => {
    const result = await run(notices('jp-abuse-review-country-unknown.json'));
    expect(result.code).toBe(EXIT_VALID);
    expect(result.stdout).toContain('candidates: KR, US');
  });

  it('exits 1 for the "third countries" notice and lists every reason', async () => {
    const result = await run(notices('third-countries.json'));
    expect(result.code).toBe(EXIT_INVALID);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('the notice is refused (2 problems)');
    expect(result.stderr).toContain('NOTICE_NO_COUNTRY at /transfers/destinations');
    expect(result.stderr).toContain('NOTICE_VAGUE_DESTINATION at /transfers/description: "third countries" names no country');
  });

  it('exits 2 for a missing file or a file that is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'domicile-notice-'));
    const missing = await run(join(dir, 'absent.json'));
    expect(missing.code).toBe(EXIT_UNREADABLE);
    expect(missing.stderr).toContain('cannot read');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "noticeId": ');
    const notJson = await run(broken);
    expect(notJson.code).toBe(EXIT_UNREADABLE);
    expect(notJson.stderr).toContain('is not valid JSON');
  });

  it('exits 1 for JSON that is not a notice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'domicile-notice-'));
    const file = join(dir, 'list.json');
    writeFileSync(file, '[]');
    const result = await run(file);
    expect(result.code).toBe(EXIT_INVALID);
    expect(result.stderr).toContain('NOTICE_FIELD_INVALID');
  });
});
