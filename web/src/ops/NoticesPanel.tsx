// Transfer notices (privacy officers, admins): each notice with every version — when it took
// effect, which one people are shown now, and what it names (home, purpose, data categories,
// destination countries and recipients, the basis) — and the notice files the validator refused,
// with its reasons; and a draft validated in the page. Notices are files under
// registries/notices/; a new version is a new file.
import { countryName } from '../format.js';
import { opsApi } from './api.js';
import { canGovern, GovernancePage } from './GovernancePage.js';
import { NoticeDraftForm } from './NoticeDraftForm.js';
import type { Operator } from './types.js';
import { useOpsData } from './useOpsData.js';

export function NoticesPanel({ operator }: { operator: Operator }) {
  const allowed = canGovern(operator);
  const { data, error, reload } = useOpsData(() => opsApi.notices(), [], allowed);
  return (
    <GovernancePage
      title="Transfer notices"
      testId="notices-panel"
      allowed={allowed}
      error={error}
      onRefresh={() => void reload()}
      intro="What people are told before they consent to a transfer abroad: the country, its protection regime and the recipient's measures. Only notices that pass the validator may be shown."
    >
      {data && (
        <>
          <ul className="ops-report-list">
            {data.notices.map((n) => (
              <li key={n.noticeId} className="ops-card ops-titled-card" data-testid="notice-item" data-notice={n.noticeId}>
                <h3>
                  <code>{n.noticeId}</code>{' '}
                  {n.current === null ? <span className="ops-status ops-status-pending">not in effect yet</span> : <span className="ops-status ops-status-approved">shown now: v{n.current}</span>}
                </h3>
                <table className="ops-table ops-table-compact">
                  <caption className="visually-hidden">Versions of {n.noticeId}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Version</th>
                      <th scope="col">Effective from</th>
                      <th scope="col">Purpose</th>
                      <th scope="col">Data</th>
                      <th scope="col">Names</th>
                      <th scope="col">Basis</th>
                    </tr>
                  </thead>
                  <tbody>
                    {n.versions.map((v) => (
                      <tr key={v.version} data-version={v.version} className={v.inEffect ? undefined : 'ops-row-muted'}>
                        <td>
                          v{v.version} <span className="small muted">({v.language})</span>
                        </td>
                        <td>{v.effectiveFrom}</td>
                        <td className="small">
                          <code>{v.purpose.code}</code>
                          <div>{v.purpose.description}</div>
                        </td>
                        <td className="small">
                          {v.categories.map((c) => (
                            <div key={c}>
                              <code>{c}</code>
                            </div>
                          ))}
                        </td>
                        <td className="small" data-testid="notice-names">
                          <div>people of {countryName(v.homeJurisdiction)}</div>
                          {v.destinations.map((d) => (
                            <div key={d.country}>
                              to {d.countryName} ({d.country}): {d.recipients.map((r) => r.name).join(', ')}
                            </div>
                          ))}
                          {v.candidateCountries.length > 0 && <div>country not known; candidates {v.candidateCountries.join(', ')}</div>}
                        </td>
                        <td className="small">{v.basis}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </li>
            ))}
          </ul>
          {data.refused.length > 0 && (
            <>
              <h3>Refused by the validator</h3>
              <ul className="ops-report-list" data-testid="notices-refused">
                {data.refused.map((r) => (
                  <li key={r.source} className="ops-card ops-titled-card" data-source={r.source}>
                    <strong>{r.source}</strong> <span className="ops-status ops-status-denied">refused</span>
                    <ul className="small ops-reasons">
                      {r.problems.map((p, i) => (
                        <li key={i}>
                          {p.path && <code>{p.path}</code>} {p.message}
                        </li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ul>
            </>
          )}
          <NoticeDraftForm />
        </>
      )}
    </GovernancePage>
  );
}
