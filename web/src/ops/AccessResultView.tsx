// What the broker answered: the overall decision, one row per decision group (category,
// jurisdiction, policies, reasons, where it was logged), and the released records with every
// masked field visibly marked. A refusal (403 ACCESS_DENIED) is shown with the policies and reasons
// per category, and no people.
import { useState } from 'react';
import { ApiError } from '../http.js';
import { opsApi } from './api.js';
import { fieldText, formatStamp, MASK_LABELS, originLabel } from '../format.js';
import { maskingOf } from './masking.js';
import { useOpsAction } from './useOpsData.js';
import type { AccessRequest, AccessResult, Decision, DeniedDetails, Refusal } from './types.js';
import { FormError } from '../forms.js';

/** An allowed (or partial) answer, or a refusal with the server's message and decisions. */
export type BrokerOutcome = { kind: 'result'; result: AccessResult } | { kind: 'denied'; message: string; details: DeniedDetails | null };

const DECISION_LABEL: Record<string, string> = { allow: 'Allowed', partial: 'Partly allowed', deny: 'Denied' };

export function AccessOutcome({ outcome }: { outcome: BrokerOutcome }) {
  if (outcome.kind === 'denied') {
    const details = outcome.details;
    return (
      <section className="ops-result" data-testid="access-result" data-decision="deny" aria-label="Broker decision">
        <div className="ops-result-head">
          <span className="ops-decision ops-decision-deny" data-testid="access-decision">
            Denied
          </span>
          {details && <span className="muted small">request {details.requestId} · {originLabel(details.origin)}</span>}
        </div>
        <p className="form-error" role="alert">
          {outcome.message}
        </p>
        {details && <RefusalList refusals={details.decisions} />}
        <p className="muted small">Nothing was released. The refusal is in the access log like an allowance; it names no one here, so it never tells who is outside a case or who exists.</p>
      </section>
    );
  }
  const { result } = outcome;
  return (
    <section className="ops-result" data-testid="access-result" data-decision={result.decision} aria-label="Broker decision">
      <div className="ops-result-head">
        <span className={`ops-decision ops-decision-${result.decision}`} data-testid="access-decision">
          {DECISION_LABEL[result.decision] ?? result.decision}
        </span>
        <span className="muted small">
          request {result.requestId} · {result.purpose} · {result.caseRef} · {formatStamp(result.at)} · {originLabel(result.origin)}
        </span>
      </div>
      <DecisionTable decisions={result.decisions} />
      <h3>Released records ({result.records.length}{result.truncated ? ', truncated' : ''})</h3>
      {result.records.length === 0 ? (
        <p className="muted">No records were released.</p>
      ) : (
        <div className="ops-records">
          {result.records.map((record) => (
            <article key={`${record.category}:${record.recordId}`} className="ops-record" data-testid="released-record" data-category={record.category}>
              <header className="ops-record-head">
                <strong>{record.subjectId}</strong>
                <code>{record.category}</code>
                <span className="muted small">{record.recordId}</span>
              </header>
              <dl className="ops-fields">
                {Object.entries(record.fields).map(([field, value]) => {
                  const masking = maskingOf(result.decisions, record, field);
                  return (
                    <div key={field} className="ops-field-row" data-testid="record-field" data-field={field} data-masking={masking}>
                      <dt>{field}</dt>
                      <dd>
                        {value === null || value === undefined ? (
                          <span className="muted ops-none">not on file</span>
                        ) : (
                          <span className={masking === 'clear' ? '' : 'ops-masked-value'}>{fieldText(value)}</span>
                        )}
                        {masking !== 'clear' && (
                          <span className="ops-mask-badge" data-testid="masked-badge">
                            {MASK_LABELS[masking]}
                          </span>
                        )}
                      </dd>
                    </div>
                  );
                })}
              </dl>
            </article>
          ))}
        </div>
      )}
    </section>
  );
}

function DecisionTable({ decisions }: { decisions: readonly Decision[] }) {
  return (
    <table className="ops-table" data-testid="decision-table">
      <caption className="visually-hidden">Decisions by category and jurisdiction</caption>
      <thead>
        <tr>
          <th scope="col">Category</th>
          <th scope="col">Home</th>
          <th scope="col">Decision</th>
          <th scope="col">Policies</th>
          <th scope="col">Subjects</th>
          <th scope="col">Log entry</th>
        </tr>
      </thead>
      <tbody>
        {decisions.map((d, i) => (
          <tr key={`${d.category}-${d.jurisdiction}-${i}`} data-testid="decision-row" data-decision={d.decision} data-category={d.category}>
            <td>
              <code>{d.category}</code>
            </td>
            <td>{d.jurisdiction}</td>
            <td>
              <span className={`ops-decision ops-decision-${d.decision} ops-decision-small`}>{d.decision === 'allow' ? 'allowed' : 'denied'}</span>
              {d.grantId && <span className="muted small"> via grant {d.grantId}</span>}
              {d.reasons.length > 0 && <div className="small ops-reasons">{d.reasons.join('; ')}</div>}
            </td>
            <td>
              <ul className="ops-policy-list">
                {d.policyIds.map((p) => (
                  <li key={p}>
                    <code>{p}</code>
                  </li>
                ))}
              </ul>
            </td>
            <td className="small">
              {d.subjects.slice(0, 5).join(', ')}
              {(d.subjectCount ?? d.subjects.length) > 5 ? ` +${(d.subjectCount ?? d.subjects.length) - 5}` : ''}
            </td>
            <td data-testid="log-entry">
              {d.log.map((l) => (
                <div key={`${l.cellId}-${l.index}`}>
                  <code>
                    {l.cellId} #{l.index}
                  </code>
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RefusalList({ refusals }: { refusals: readonly Refusal[] }) {
  return (
    <ul className="ops-refusals" data-testid="refusal-list">
      {refusals.map((r, i) => (
        <li key={`${r.category}-${i}`} data-testid="decision-row" data-decision="deny" data-category={r.category}>
          <code>{r.category}</code> · refused by <code>{r.policyIds.join(', ')}</code>
          {r.reasons.length > 0 && <div className="small ops-reasons">{r.reasons.join('; ')}</div>}
        </li>
      ))}
    </ul>
  );
}

/**
 * Asking the broker from a console form: busy while it runs, then the answer (an allowance or a
 * refusal, both shown with their decisions) or the error of a request that never reached it.
 */
export function useBrokerAccess(): { busy: boolean; error: string | null; outcome: BrokerOutcome | null; run: (request: AccessRequest) => Promise<void>; fail: (message: string) => void } {
  const action = useOpsAction();
  const [outcome, setOutcome] = useState<BrokerOutcome | null>(null);
  async function run(request: AccessRequest) {
    setOutcome(null);
    await action.run('access', async () => {
      try {
        setOutcome({ kind: 'result', result: await opsApi.access(request) });
      } catch (err) {
        // A refusal is an outcome to show with its decisions, not an error.
        const denied = deniedOutcome(err);
        if (denied === null) throw err;
        setOutcome(denied);
      }
    });
  }
  const fail = (message: string) => {
    setOutcome(null);
    action.setError(message);
  };
  return { busy: action.busy !== null, error: action.error, outcome, run, fail };
}

/** A broker refusal (403 ACCESS_DENIED) as an outcome to show; null for any other failure. */
export function deniedOutcome(err: unknown): BrokerOutcome | null {
  if (!(err instanceof ApiError) || err.code !== 'ACCESS_DENIED') return null;
  const d = err.details;
  const details =
    d && typeof d.requestId === 'string' && Array.isArray(d.decisions) ? ({ requestId: d.requestId, origin: d.origin, decisions: d.decisions } as DeniedDetails) : null;
  return { kind: 'denied', message: err.message, details };
}

/** What an opened case or report shows: its broker answer, or why it could not be opened. */
export function OpenedOutcome({ error, heading, outcome }: { error: string | null; heading: string | null; outcome: BrokerOutcome | null }) {
  return (
    <>
      <FormError error={error} testId="ops-error" />
      {heading && outcome && (
        <>
          <h3>{heading}</h3>
          <AccessOutcome outcome={outcome} />
        </>
      )}
    </>
  );
}
