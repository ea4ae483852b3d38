// Validate a notice draft in the page: the JSON of a file for registries/notices/, checked on the
// server by the validator `domicile notice validate` runs. Nothing is stored.
import { useId, useState, type FormEvent } from 'react';
import { opsApi } from './api.js';
import type { NoticeDraftCheck } from './types.js';
import { useOpsAction } from './useOpsData.js';
import { FormError } from '../forms.js';

export function NoticeDraftForm() {
  const id = useId();
  const [draft, setDraft] = useState('');
  const [result, setResult] = useState<NoticeDraftCheck | null>(null);
  const { error, busy, run } = useOpsAction();

  function submit(e: FormEvent) {
    e.preventDefault();
    setResult(null);
    void run('validate', async () => setResult(await opsApi.validateNotice(draft)));
  }

  return (
    <form className="ops-card" onSubmit={submit} data-testid="notice-draft-form" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Validate a draft</h3>
      <div className="ops-field">
        <label htmlFor={`${id}-draft`}>Notice JSON (as it would be saved under registries/notices/)</label>
        <textarea id={`${id}-draft`} required value={draft} onChange={(e) => setDraft(e.target.value)} spellCheck={false} data-testid="notice-draft" />
      </div>
      <div className="ops-actions">
        <button type="submit" className="button button-primary" disabled={busy !== null || draft.trim() === ''} data-testid="notice-draft-validate">
          {busy ? 'Validating…' : 'Validate (nothing is saved)'}
        </button>
      </div>
      <FormError error={error} />
      {result && (
        <div role="status" data-testid="notice-draft-result" data-valid={String(result.valid)}>
          {result.valid ? (
            <p className="ops-clock ops-clock-ok">
              Valid: {result.noticeId} v{result.version} may be shown.
            </p>
          ) : (
            <>
              <p className="ops-clock ops-clock-due">Refused ({result.problems.length})</p>
              <ul className="small ops-reasons">
                {result.problems.map((p, i) => (
                  <li key={i}>
                    <code>{p.code}</code> {p.path && <code>{p.path}</code>} {p.message}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </form>
  );
}
