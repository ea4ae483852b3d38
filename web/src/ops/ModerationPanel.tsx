// The moderation queue: open abuse reports (references and reason codes only), oldest first;
// opening one reads just the reported message through the broker (purpose ABUSE_REPORT).
import { useCallback, useEffect, useId, useState } from 'react';
import { errorMessageWithCode } from '../http.js';
import { opsApi } from './api.js';
import { deniedOutcome, OpenedOutcome, type BrokerOutcome } from './AccessResultView.js';
import { formatStamp } from '../format.js';
import type { CaseSummary } from './types.js';
import { FormError } from '../forms.js';

export function ModerationPanel({ refreshKey }: { refreshKey: number }) {
  const id = useId();
  const [reports, setReports] = useState<CaseSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<BrokerOutcome | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setReports((await opsApi.moderationQueue()).reports);
      setError(null);
    } catch (err) {
      setError(errorMessageWithCode(err));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load, refreshKey]);

  async function openReport(ref: string) {
    setOpen(ref);
    setOutcome(null);
    setOpenError(null);
    try {
      setOutcome({ kind: 'result', result: await opsApi.reportedMessage(ref) });
    } catch (err) {
      const denied = deniedOutcome(err);
      if (denied) setOutcome(denied);
      else setOpenError(errorMessageWithCode(err));
    }
  }

  return (
    <section className="ops-panel" aria-labelledby={`${id}-h`} data-testid="moderation-panel">
      <div className="ops-toolbar">
        <h2 id={`${id}-h`}>Moderation queue</h2>
        <button type="button" className="button" onClick={() => void load()} data-testid="moderation-refresh">
          Refresh
        </button>
      </div>
      <p className="muted small">Opening a report reads only the reported message, through the broker, for the purpose ABUSE_REPORT.</p>
      <FormError error={error} testId="ops-error" />
      {reports && reports.length === 0 && <p className="muted" data-testid="moderation-empty">No open reports.</p>}
      {reports && reports.length > 0 && (
        <ul className="ops-report-list">
          {reports.map((r) => (
            <li key={r.ref} className={`ops-card ops-report${open === r.ref ? ' is-open' : ''}`} data-testid="report-item" data-ref={r.ref}>
              <div>
                <strong>{r.ref}</strong> <span className="ops-status ops-status-pending">{r.reason}</span>
                <div className="small muted">reported {formatStamp(r.createdAt)}</div>
              </div>
              <button type="button" className="button button-primary button-small" onClick={() => void openReport(r.ref)} data-testid="report-open">
                Open reported message
              </button>
            </li>
          ))}
        </ul>
      )}
      <OpenedOutcome error={openError} heading={open ? `Report ${open}` : null} outcome={outcome} />
    </section>
  );
}
