// The what-if check: an operator of the directory, an action, a kind of subject and a category, a
// purpose and a country, put to the policies in force as the broker would; the answer names the
// policies that decided. Nothing is read or logged.
import { useId, useState, type FormEvent } from 'react';
import { opsApi } from './api.js';
import { PurposeField } from './fields.js';
import { CATEGORIES, type Operator, type Purpose, type WhatIfAnswer, type WhatIfQuestion } from './types.js';
import { useOpsAction } from './useOpsData.js';
import { FormError } from '../forms.js';

export function WhatIfForm({ operators }: { operators: Operator[] }) {
  const id = useId();
  const [operatorId, setOperatorId] = useState(operators[0]?.id ?? '');
  const [action, setAction] = useState<WhatIfQuestion['action']>('read');
  const [subjectHome, setSubjectHome] = useState('JP');
  const [subjectClass, setSubjectClass] = useState<WhatIfQuestion['subjectClass']>('consumer');
  const [category, setCategory] = useState<string>(CATEGORIES[0] ?? 'user.contact');
  const [purpose, setPurpose] = useState<Purpose>('SUPPORT_CASE');
  const [country, setCountry] = useState('JP');
  const [grantApproved, setGrantApproved] = useState(false);
  const [answer, setAnswer] = useState<WhatIfAnswer | null>(null);
  const { error, busy, run } = useOpsAction();

  function submit(e: FormEvent) {
    e.preventDefault();
    void run('ask', async () => setAnswer(await opsApi.whatIf({ operatorId, action, subjectHome, subjectClass, category, purpose, country: country.toUpperCase(), grantApproved })));
  }

  return (
    <form className="ops-card" onSubmit={submit} data-testid="what-if-form" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>What if…</h3>
      <div className="ops-form-grid">
        <div className="ops-field">
          <label htmlFor={`${id}-op`}>Operator</label>
          <select id={`${id}-op`} value={operatorId} onChange={(e) => setOperatorId(e.target.value)} data-testid="what-if-operator">
            {operators.map((o) => (
              <option key={o.id} value={o.id}>
                {o.id} ({o.roles.join(', ')})
              </option>
            ))}
          </select>
        </div>
        <div className="ops-field">
          <label htmlFor={`${id}-action`}>Action</label>
          <select id={`${id}-action`} value={action} onChange={(e) => setAction(e.target.value as WhatIfQuestion['action'])}>
            <option value="read">read</option>
            <option value="write">write</option>
          </select>
        </div>
        <div className="ops-field">
          <label htmlFor={`${id}-home`}>Subject's home</label>
          <input id={`${id}-home`} value={subjectHome} maxLength={2} pattern="[A-Za-z]{2}" required onChange={(e) => setSubjectHome(e.target.value.toUpperCase())} />
        </div>
        <div className="ops-field">
          <label htmlFor={`${id}-class`}>Subject kind</label>
          <select id={`${id}-class`} value={subjectClass} onChange={(e) => setSubjectClass(e.target.value as WhatIfQuestion['subjectClass'])}>
            <option value="consumer">consumer</option>
            <option value="business">business</option>
            <option value="government">government</option>
          </select>
        </div>
        <div className="ops-field">
          <label htmlFor={`${id}-cat`}>Category</label>
          <select id={`${id}-cat`} value={category} onChange={(e) => setCategory(e.target.value)} data-testid="what-if-category">
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <PurposeField id={`${id}-purpose`} value={purpose} onChange={setPurpose} testId="what-if-purpose" />
        <div className="ops-field">
          <label htmlFor={`${id}-country`}>Operator's country</label>
          <input id={`${id}-country`} value={country} maxLength={2} pattern="[A-Za-z]{2}" required onChange={(e) => setCountry(e.target.value.toUpperCase())} data-testid="what-if-country" />
        </div>
        <div className="ops-field">
          <label htmlFor={`${id}-grant`} className="ops-check">
            <input id={`${id}-grant`} type="checkbox" checked={grantApproved} onChange={(e) => setGrantApproved(e.target.checked)} /> An approved grant covers it
          </label>
        </div>
      </div>
      <div className="ops-actions">
        <button type="submit" className="button button-primary" disabled={busy !== null || operatorId === ''} data-testid="what-if-ask">
          {busy ? 'Asking…' : 'Ask the policies in force'}
        </button>
      </div>
      <FormError error={error} />
      {answer && (
        <p role="status" data-testid="what-if-answer" data-decision={answer.decision}>
          <span className={`ops-status ops-status-${answer.decision === 'allow' ? 'approved' : 'denied'}`}>{answer.decision}</span>{' '}
          {answer.policyIds.length > 0 ? (
            <>
              decided by{' '}
              {answer.policyIds.map((p) => (
                <code key={p}>{p} </code>
              ))}
            </>
          ) : (
            'no policy permits it (denied by default)'
          )}
          {answer.errors.length > 0 && <span className="small"> — {answer.errors.join('; ')}</span>}
        </p>
      )}
    </form>
  );
}
