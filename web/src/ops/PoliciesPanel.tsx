// The Cedar policies (privacy officers, admins): the set in force with each policy's id, effect,
// file and text, the digest every access-log entry names, when it was loaded, the attributes the
// policies read, the schema, and whether the files on disk validate against the schema and are
// what runs; a change checked, diffed and applied (admins) in the page, and the what-if form.
import { formatStamp } from '../format.js';
import { opsApi } from './api.js';
import { canGovern, GovernancePage } from './GovernancePage.js';
import { PolicyEditor, problemText } from './PolicyEditor.js';
import type { Operator, PolicyStatus } from './types.js';
import { useOpsData } from './useOpsData.js';
import { WhatIfForm } from './WhatIfForm.js';

function DiskStatus({ status }: { status: PolicyStatus }) {
  const disk = status.onDisk;
  if (disk === null) return null;
  if (!disk.valid) {
    return (
      <div data-testid="policies-disk" data-state="invalid">
        <span className="ops-clock ops-clock-due">files on disk do not validate</span>
        <ul className="small ops-reasons">
          {disk.problems.map((p, i) => (
            <li key={i}>{problemText(p)}</li>
          ))}
        </ul>
        <p className="small muted">The set in force stays until the files validate.</p>
      </div>
    );
  }
  return (
    <div data-testid="policies-disk" data-state={disk.sameAsInForce ? 'same' : 'changed'}>
      {disk.sameAsInForce ? (
        <span className="ops-clock ops-clock-ok">files on disk validate and are in force</span>
      ) : (
        <span className="ops-clock ops-clock-soon">files on disk validate but differ: the next reload puts them in force</span>
      )}
    </div>
  );
}

export function PoliciesPanel({ operator }: { operator: Operator }) {
  const allowed = canGovern(operator);
  const { data: status, error, reload } = useOpsData(() => opsApi.policies(), [], allowed);
  const { data: operators } = useOpsData(async () => (await opsApi.operators()).operators, [], allowed);
  return (
    <GovernancePage
      title="Policies"
      testId="policies-panel"
      allowed={allowed}
      error={error}
      onRefresh={() => void reload()}
      intro="The Cedar policies the broker decides with. Every access-log entry names the policies that decided it; the digest names this exact set."
    >
      {status && !status.inForce && (
        <p className="form-error" role="alert" data-testid="policies-none">
          No policy set is in force, so every operator access is refused: {status.problem}
        </p>
      )}
      {status?.inForce && (
        <>
          <dl className="ops-kv ops-card" data-testid="policies-summary">
            <dt>Policies</dt>
            <dd>{status.policies.length}</dd>
            <dt>Loaded</dt>
            <dd>{status.loadedAt ? formatStamp(status.loadedAt) : '—'}</dd>
            <dt>Digest</dt>
            <dd className="ops-break small">
              <code>{status.digest}</code>
            </dd>
            <dt>Reads</dt>
            <dd className="small">
              {status.readAttributes.map((a) => (
                <code key={a}>{a} </code>
              ))}
            </dd>
            <dt>Schema check</dt>
            <dd>
              <DiskStatus status={status} />
            </dd>
          </dl>
          {status.warnings.length > 0 && (
            <ul className="small ops-reasons" data-testid="policies-warnings">
              {status.warnings.map((w, i) => (
                <li key={i}>warning: {problemText(w)}</li>
              ))}
            </ul>
          )}
          <table className="ops-table" data-testid="policies-table">
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Effect</th>
                <th scope="col">Policy</th>
              </tr>
            </thead>
            <tbody>
              {status.policies.map((p) => (
                <tr key={p.id} data-policy={p.id}>
                  <td>
                    <code>{p.id}</code>
                    <div className="small muted">
                      {p.file}:{p.line}
                    </div>
                  </td>
                  <td>
                    <span className={`ops-status ops-status-${p.effect === 'permit' ? 'approved' : 'denied'}`}>{p.effect}</span>
                  </td>
                  <td>
                    <pre className="ops-policy-text">{p.text.trim()}</pre>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {status.schema !== null && (
            <details className="ops-card" data-testid="policies-schema">
              <summary>The schema the policies are validated against</summary>
              <pre className="ops-policy-text">{status.schema.trim()}</pre>
            </details>
          )}
          {status.digest !== null && <PolicyEditor key={status.digest} files={status.files} digest={status.digest} canApply={operator.roles.includes('admin')} onApplied={() => void reload()} />}
          {operators && <WhatIfForm operators={operators} />}
        </>
      )}
    </GovernancePage>
  );
}
