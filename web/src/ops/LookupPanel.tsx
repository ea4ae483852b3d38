// Subject lookup through the broker: who, which categories, why (purpose and a real case), and
// optionally an approved grant; POST /v1/ops/access, then the decision and the masked records.
import { useId, useState, type FormEvent } from 'react';
import { AccessOutcome, useBrokerAccess } from './AccessResultView.js';
import { PurposeField } from './fields.js';
import { CATEGORIES, type Purpose } from './types.js';
import { FormError } from '../forms.js';

function list(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function LookupPanel() {
  const id = useId();
  const [subjects, setSubjects] = useState('');
  const [categories, setCategories] = useState<string[]>(['user.contact']);
  const [purpose, setPurpose] = useState<Purpose>('SUPPORT_CASE');
  const [caseRef, setCaseRef] = useState('');
  const [grantId, setGrantId] = useState('');
  const { busy, error, outcome, run, fail } = useBrokerAccess();

  function toggle(category: string, on: boolean) {
    setCategories((current) => (on ? [...current, category] : current.filter((c) => c !== category)));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (categories.length === 0) {
      fail('Choose at least one data category.');
      return;
    }
    await run({
      subjects: list(subjects),
      categories,
      purpose,
      caseRef: caseRef.trim(),
      ...(grantId.trim() ? { grantId: grantId.trim() } : {}),
    });
  }

  return (
    <section className="ops-panel" aria-labelledby={`${id}-h`} data-testid="lookup-panel">
      <h2 id={`${id}-h`}>Subject lookup</h2>
      <p className="muted small">Through the broker: decided by policy, logged before anything is released, released masked.</p>
      <form className="ops-card ops-form-grid" onSubmit={(e) => void submit(e)} data-testid="lookup-form">
        <div className="ops-field">
          <label htmlFor={`${id}-subj`}>Subject id</label>
          <input id={`${id}-subj`} required value={subjects} onChange={(e) => setSubjects(e.target.value)} placeholder="hanako" data-testid="lookup-subject" />
        </div>
        <PurposeField id={`${id}-purpose`} value={purpose} onChange={setPurpose} testId="lookup-purpose" />
        <div className="ops-field">
          <label htmlFor={`${id}-case`}>Case reference</label>
          <input id={`${id}-case`} required value={caseRef} onChange={(e) => setCaseRef(e.target.value)} placeholder="T-1001" data-testid="lookup-case" />
        </div>
        <div className="ops-field">
          <label htmlFor={`${id}-grant`}>Grant id (optional)</label>
          <input id={`${id}-grant`} value={grantId} onChange={(e) => setGrantId(e.target.value)} placeholder="an approved grant" data-testid="lookup-grant" />
        </div>
        <fieldset className="ops-field ops-span-all ops-checks">
          <legend>Data categories</legend>
          {CATEGORIES.map((c) => (
            <label key={c} className="ops-check">
              <input type="checkbox" checked={categories.includes(c)} onChange={(e) => toggle(c, e.target.checked)} data-testid={`lookup-category-${c}`} />
              <code>{c}</code>
            </label>
          ))}
        </fieldset>
        <div className="ops-span-all ops-actions">
          <button type="submit" className="button button-primary" disabled={busy} data-testid="lookup-submit">
            {busy ? 'Asking the broker…' : 'Request access'}
          </button>
        </div>
        <FormError error={error} testId="ops-error" className="ops-span-all" />
      </form>
      {outcome && <AccessOutcome outcome={outcome} />}
    </section>
  );
}
