// Changing the Cedar policies from the console: the files in force, editable; Check compiles the
// edited set against the schema on the server (problems with file, line and policy id) and shows
// the diff against the running set; Apply (admins, after a passing check of exactly this text)
// puts it in force, journaled. Nothing is written until Apply.
import { useId, useState } from 'react';
import { opsApi } from './api.js';
import type { PolicyDraftCheck, PolicyFile, PolicyProblem } from './types.js';
import { useOpsAction } from './useOpsData.js';
import { FormError } from '../forms.js';

export const problemText = (p: PolicyProblem): string => `${p.file}:${p.line}:${p.column} ${p.policyId ? `(${p.policyId}) ` : ''}${p.message}`;

function DiffView({ check }: { check: PolicyDraftCheck }) {
  if (check.diff.length === 0) return <p className="small muted">Same policies as the set in force.</p>;
  return (
    <ul className="ops-report-list" data-testid="policy-diff">
      {check.diff.map((d) => (
        <li key={d.id} className="ops-card" data-policy={d.id} data-change={d.change}>
          <strong>
            <code>{d.id}</code>
          </strong>{' '}
          <span className={`ops-status ops-status-${d.change === 'removed' ? 'denied' : d.change === 'added' ? 'approved' : 'pending'}`}>{d.change}</span>
          <div className="ops-diff">
            <pre className="ops-diff-before" aria-label={`${d.id} before`}>
              {d.before ?? '—'}
            </pre>
            <pre className="ops-diff-after" aria-label={`${d.id} after`}>
              {d.after ?? '—'}
            </pre>
          </div>
        </li>
      ))}
    </ul>
  );
}

export function PolicyEditor({ files: inForce, digest, canApply, onApplied }: { files: PolicyFile[]; digest: string; canApply: boolean; onApplied: () => void }) {
  const id = useId();
  const [files, setFiles] = useState<PolicyFile[]>(inForce);
  const [selected, setSelected] = useState(inForce[0]?.name ?? '');
  const [check, setCheck] = useState<{ files: PolicyFile[]; result: PolicyDraftCheck } | null>(null);
  const [applied, setApplied] = useState<string | null>(null);
  const { error, busy, run } = useOpsAction();
  const current = files.find((f) => f.name === selected);
  const checkedThis = check !== null && check.files === files;

  function edit(text: string) {
    setFiles((all) => all.map((f) => (f.name === selected ? { ...f, text } : f)));
    setApplied(null);
  }

  return (
    <div className="ops-card" data-testid="policy-editor">
      <h3>Change the policies</h3>
      <div className="ops-form-grid">
        <div className="ops-field">
          <label htmlFor={`${id}-file`}>File</label>
          <select id={`${id}-file`} value={selected} onChange={(e) => setSelected(e.target.value)} data-testid="policy-file">
            {files.map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}
              </option>
            ))}
          </select>
        </div>
        <div className="ops-field ops-span-all">
          <label htmlFor={`${id}-text`}>Text of {selected}</label>
          <textarea id={`${id}-text`} value={current?.text ?? ''} onChange={(e) => edit(e.target.value)} spellCheck={false} data-testid="policy-text" />
        </div>
      </div>
      <div className="ops-actions">
        <button type="button" className="button" disabled={busy !== null} data-testid="policy-check" onClick={() => void run('check', async () => setCheck({ files, result: await opsApi.checkPolicies(files) }))}>
          {busy === 'check' ? 'Checking…' : 'Check against the schema'}
        </button>
        {canApply && (
          <button
            type="button"
            className="button button-primary"
            disabled={busy !== null || !checkedThis || !check.result.valid || check.result.diff.length === 0}
            data-testid="policy-apply"
            onClick={() =>
              void run('apply', async () => {
                const done = await opsApi.applyPolicies(files, digest);
                setApplied(`In force: ${done.changed.length} polic${done.changed.length === 1 ? 'y' : 'ies'} changed; digest ${done.digest.slice(0, 16)}…`);
                setCheck(null);
                onApplied();
              })
            }
          >
            {busy === 'apply' ? 'Applying…' : 'Apply (logged)'}
          </button>
        )}
        {!canApply && <span className="small muted">Applying a change needs the admin role.</span>}
      </div>
      <FormError error={error} testId="policy-error" />
      {applied && (
        <p className="ops-clock ops-clock-ok" role="status" data-testid="policy-applied">
          {applied}
        </p>
      )}
      {check && (
        <div data-testid="policy-check-result" data-valid={String(check.result.valid)}>
          {check.result.valid ? (
            <p className="ops-clock ops-clock-ok">Validates against the schema{checkedThis ? '' : ' (edited since: check again)'}.</p>
          ) : (
            <>
              <p className="ops-clock ops-clock-due">Refused: {check.result.code}</p>
              <ul className="small ops-reasons" data-testid="policy-problems">
                {check.result.problems.map((p, i) => (
                  <li key={i}>{problemText(p)}</li>
                ))}
              </ul>
            </>
          )}
          {check.result.valid && <DiffView check={check.result} />}
        </div>
      )}
    </div>
  );
}
