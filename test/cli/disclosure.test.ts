// `domicile report disclosure --subject <id>` prints a person's consents and transfer records, so
// it is a read of personal data like any other: one entry in the person's home log, naming them,
// the purpose DATA_SUBJECT_REQUEST and the categories read, before anything is printed; and
// nothing printed when that entry cannot be written.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { runDisclosureReport } from '../../src/cli/report.command.js';
import type { CliOutput } from '../../src/cli/output.js';
import { loadConfig } from '../../src/config/config.js';
import { DomainError } from '../../src/errors/catalogue.js';
import { commitmentTo, type AccessEntry } from '../../src/governance/log/entry.js';
import { runDomicile, writeTestConfig } from '../support/cli.js';

let file = '';

/** An entry as the person sees it: their own commitment opened with their salt, the rest sealed. */
function asThePersonSeesIt(stored: { canonical: string; salt: string | null }, subjectId: string): AccessEntry {
  const entry = JSON.parse(stored.canonical) as AccessEntry;
  const mine = stored.salt === null ? subjectId : commitmentTo(stored.salt, subjectId);
  return { ...entry, subjects: entry.subjects.map((s) => (s === mine ? subjectId : s)) };
}

/** The JP log as another process sees it: its size and the entries naming `subjectId`. */
async function jpLog(subjectId: string): Promise<{ size: number; about: AccessEntry[] }> {
  const runtime = await openRuntime(loadConfig({ file }));
  try {
    const log = runtime.logs.forJurisdiction('JP');
    const about = await log.entriesAbout({ subjectId, before: null, limit: 50 });
    return { size: log.size(), about: about.map((s) => asThePersonSeesIt(s, subjectId)) };
  } finally {
    await runtime.close();
  }
}

beforeAll(async () => {
  file = writeTestConfig().file;
  expect((await runDomicile(['demo', '--config', file])).code).toBe(0);
});

describe('report disclosure', () => {
  it('leaves one entry in the subject’s home log: the subject, purpose DATA_SUBJECT_REQUEST and the categories read', async () => {
    const before = await jpLog('hanako');
    const result = await runDomicile(['report', 'disclosure', '--subject', 'hanako', '--config', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Disclosure for hanako');
    const after = await jpLog('hanako');
    expect(after.size).toBe(before.size + 1);
    const added = after.about.filter((e) => !before.about.some((b) => b.eventId === e.eventId));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      actor: 'system:local-cli',
      subjectJurisdiction: 'JP',
      subjects: ['hanako'],
      purpose: 'DATA_SUBJECT_REQUEST',
      categories: ['user.privacy_preferences.consent', 'user.privacy_preferences.transfer_record'],
      action: 'read',
      decision: 'allow',
    });
    // The disclosure that follows lists the read itself.
    const again = await runDomicile(['report', 'disclosure', '--subject', 'hanako', '--json', '--config', file]);
    const accesses = (JSON.parse(again.stdout) as { accesses: { purpose: string }[] }).accesses;
    expect(accesses.filter((a) => a.purpose === 'DATA_SUBJECT_REQUEST').length).toBeGreaterThanOrEqual(1);
  });

  it('a person of another home is logged in their own jurisdiction’s log, not in JP', async () => {
    const before = await jpLog('minjun');
    expect((await runDomicile(['report', 'disclosure', '--subject', 'minjun', '--config', file])).code).toBe(0);
    expect((await jpLog('minjun')).size).toBe(before.size);
    const runtime = await openRuntime(loadConfig({ file }));
    try {
      const kr = await runtime.logs.forJurisdiction('KR').entriesAbout({ subjectId: 'minjun', before: null, limit: 5 });
      expect(kr[0] && asThePersonSeesIt(kr[0], 'minjun')).toMatchObject({ subjects: ['minjun'], purpose: 'DATA_SUBJECT_REQUEST', subjectJurisdiction: 'KR' });
    } finally {
      await runtime.close();
    }
  });

  describe('when the log cannot be written', () => {
    let runtime: Runtime;
    beforeAll(async () => {
      runtime = await openRuntime(loadConfig({ file }));
    });
    afterAll(async () => {
      vi.restoreAllMocks();
      await runtime.close();
    });

    it('prints nothing and exits 1 naming the refusal', async () => {
      vi.spyOn(runtime.logs, 'recordAccess').mockRejectedValue(new DomainError('LOG_UNAVAILABLE', 'the access could not be recorded, so it is refused: disk full'));
      let stdout = '';
      let stderr = '';
      const out: CliOutput = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), progress: () => ({ update: () => undefined, stop: () => undefined }) };
      const size = runtime.logs.forJurisdiction('JP').size();
      expect(await runDisclosureReport({ runtime, subjectId: 'hanako', json: true, out })).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain('could not be recorded');
      expect(runtime.logs.recordAccess).toHaveBeenCalledTimes(1);
      expect(runtime.logs.forJurisdiction('JP').size()).toBe(size);
    });
  });
});
