// The access logs (privacy officers, admins): each cell's latest signed checkpoint, size and
// verifier key, and the result of the last full verification, which can be run from here.
import { useId } from 'react';
import { countryName, formatStamp } from '../format.js';
import { opsApi } from './api.js';
import type { Operator } from './types.js';
import { useOpsData } from './useOpsData.js';
import { FormError } from '../forms.js';

export function LogPanel({ operator }: { operator: Operator }) {
  const id = useId();
  const allowed = operator.roles.some((r) => r === 'privacy-officer' || r === 'admin');
  const { data: logs, setData: setLogs, error, busy, reload, run } = useOpsData(async () => (await opsApi.logs()).logs, [], allowed);

  async function verify(cell: string) {
    await run(cell, async () => {
      const updated = await opsApi.verifyLog(cell);
      setLogs((all) => (all ?? []).map((l) => (l.cell === cell ? updated : l)));
    });
  }

  if (!allowed) {
    return (
      <section className="ops-panel" data-testid="log-panel">
        <h2>Access logs</h2>
        <p className="muted">The log status needs the privacy-officer or admin role.</p>
      </section>
    );
  }
  return (
    <section className="ops-panel" aria-labelledby={`${id}-h`} data-testid="log-panel">
      <div className="ops-toolbar">
        <h2 id={`${id}-h`}>Access logs</h2>
        <button type="button" className="button" onClick={() => void reload()} data-testid="log-refresh">
          Refresh
        </button>
      </div>
      <p className="muted small">Each cell keeps its own Merkle log. Verifying recomputes every entry, tile and checkpoint with the log’s key, as `domicile log verify` does.</p>
      <FormError error={error} testId="ops-error" />
      {logs && (
        <table className="ops-table" data-testid="log-table">
          <thead>
            <tr>
              <th scope="col">Cell</th>
              <th scope="col">Entries</th>
              <th scope="col">Latest checkpoint</th>
              <th scope="col">Verifier key</th>
              <th scope="col">Last verification</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {logs.map((l) => (
              <tr key={l.cell} data-cell={l.cell} data-verified={l.lastVerification === null ? 'never' : l.lastVerification.ok ? 'ok' : 'failed'}>
                <td>
                  <strong>{l.cell}</strong> <span className="small muted">{countryName(l.jurisdiction)}</span>
                </td>
                <td>{l.size}</td>
                <td>
                  size {l.checkpoint.size}
                  <div className="small muted ops-break">{l.checkpoint.rootHash}</div>
                </td>
                <td className="small ops-break">{l.verifierKey}</td>
                <td>
                  {l.lastVerification === null ? (
                    <span className="muted">not run here yet</span>
                  ) : (
                    <>
                      <span className={`ops-clock ops-clock-${l.lastVerification.ok ? 'ok' : 'due'}`}>{l.lastVerification.ok ? 'OK' : 'FAILED'}</span>
                      <div className="small muted">
                        {formatStamp(l.lastVerification.at)} · {l.lastVerification.entries} entries, {l.lastVerification.checkpoints} checkpoints
                      </div>
                      {l.lastVerification.problem && <div className="small ops-reasons">{l.lastVerification.problem}</div>}
                    </>
                  )}
                </td>
                <td>
                  <button type="button" className="button button-small" disabled={busy !== null} onClick={() => void verify(l.cell)} data-testid="log-verify">
                    {busy === l.cell ? 'Verifying…' : `Verify ${l.cell}`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
