// Recipients and contracts (privacy officers, admins): each legal entity that receives personal
// data, its country, whether a conforming-system contract is on file and what it covers, the
// next periodic check — red when overdue, as the transfer gate has already stopped relying on it
// — from registries/recipients.json. Changing them is a reviewed change of that file.
import { countryName } from '../format.js';
import { opsApi } from './api.js';
import { canGovern, GovernancePage } from './GovernancePage.js';
import type { Operator, RecipientView } from './types.js';
import { useOpsData } from './useOpsData.js';

function basisLabel(r: RecipientView): { text: string; tone: 'ok' | 'due' | 'none' } {
  if (r.basis.valid) return { text: 'basis stands', tone: 'ok' };
  // The business itself is no third party: its own handling needs no transfer basis.
  if (r.tier === 'own' && r.conformingSystem === null) return { text: 'the business itself', tone: 'none' };
  if (r.checkOverdue) return { text: 'check overdue: basis suspended', tone: 'due' };
  if (r.suspended) return { text: 'suspended', tone: 'due' };
  if (r.basis.reason === 'no-contract') return { text: 'no contract', tone: 'none' };
  return { text: r.basis.reason ?? 'no basis', tone: 'due' };
}

export function RecipientsPanel({ operator }: { operator: Operator }) {
  const allowed = canGovern(operator);
  const { data, error, reload } = useOpsData(() => opsApi.recipients(), [], allowed);
  return (
    <GovernancePage
      title="Recipients and contracts"
      testId="recipients-panel"
      allowed={allowed}
      error={error}
      onRefresh={() => void reload()}
      intro="From registries/recipients.json. A conforming-system basis needs a contract on file and a periodic check that is not overdue; an overdue check suspends the basis at once."
    >
      {data && (
        <table className="ops-table" data-testid="recipients-table">
          <thead>
            <tr>
              <th scope="col">Recipient</th>
              <th scope="col">Country</th>
              <th scope="col">Contract</th>
              <th scope="col">Covers</th>
              <th scope="col">Periodic check</th>
              <th scope="col">Basis today</th>
            </tr>
          </thead>
          <tbody>
            {data.recipients.map((r) => {
              const system = r.conformingSystem;
              const basis = basisLabel(r);
              return (
                <tr key={r.id} data-testid="recipient-row" data-recipient={r.id} data-overdue={r.checkOverdue ? 'yes' : 'no'}>
                  <td>
                    <strong>{r.name}</strong>
                    <div className="small muted">
                      {r.kind} · {r.tier}
                      {r.hostsCells.length > 0 ? ` · hosts the ${r.hostsCells.join(', ')} cell${r.hostsCells.length > 1 ? 's' : ''}` : ''}
                    </div>
                    <div className="small">{r.role}</div>
                  </td>
                  <td>
                    {countryName(r.country)} ({r.country})
                    {r.handlingCountries.some((c) => c !== r.country) && <div className="small muted">handles in {r.handlingCountries.join(', ')}</div>}
                  </td>
                  <td className="small">
                    {system?.contractOnFile ? (
                      <>
                        <code>{system.contractRef}</code>
                        <div className="muted">
                          signed <span className="ops-nowrap">{system.contractDate}</span>
                        </div>
                        {system.coversHomes.length > 0 && <div className="muted">for people of {system.coversHomes.join(', ')}</div>}
                      </>
                    ) : (
                      <span className="muted">{r.tier === 'own' ? 'not needed' : 'none on file'}</span>
                    )}
                  </td>
                  <td className="small">
                    {system && system.covers.length > 0 ? (
                      system.covers.map((c, i) => (
                        <div key={i}>
                          {c.operations.join(', ')} <code>{c.categories.join(', ')}</code>
                        </div>
                      ))
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="small">
                    {system?.periodicCheck ? (
                      <>
                        <span className={`ops-clock ops-clock-${r.checkOverdue ? 'due' : 'ok'} ops-nowrap`} data-testid="recipient-due">
                          due {system.periodicCheck.nextDue}
                        </span>
                        <div className="muted">
                          every {system.periodicCheck.intervalMonths} months
                          {system.periodicCheck.lastDone && (
                            <>
                              {' '}
                              · last <span className="ops-nowrap">{system.periodicCheck.lastDone}</span>
                            </>
                          )}
                        </div>
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="small">
                    <span className={`ops-clock ops-clock-${basis.tone}`} data-testid="recipient-basis">
                      {basis.text}
                    </span>
                    {r.suspended && <div className="ops-reasons">since {r.suspended.since}: {r.suspended.reason}</div>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </GovernancePage>
  );
}
