// The data map (privacy officers, admins): what each cell holds — its country, records per data
// category, blob files and their bytes, from a residency scan run now — and from which countries
// each home's data was accessed over the last 12 months. Counts only, never anyone's data.
import { countryName, formatBytes, formatStamp } from '../format.js';
import { opsApi } from './api.js';
import { canGovern, GovernancePage } from './GovernancePage.js';
import type { Operator } from './types.js';
import { useOpsData } from './useOpsData.js';

export function DataMapPanel({ operator }: { operator: Operator }) {
  const allowed = canGovern(operator);
  const { data: map, error, reload } = useOpsData(() => opsApi.dataMap(), [], allowed);
  return (
    <GovernancePage
      title="Data map"
      testId="datamap-panel"
      allowed={allowed}
      error={error}
      onRefresh={() => void reload()}
      intro="Each cell is one storage and key domain in one country. Records and bytes come from a residency scan run when the page loads; accesses from the access logs."
    >
      {map && (
        <>
          <p className="small muted">Scanned {formatStamp(map.scannedAt)}.</p>
          <div className="ops-map-cells">
            {map.cells.map((c) => (
              <article key={c.id} className="ops-card" data-testid="datamap-cell" data-cell={c.id}>
                <h3>
                  Cell <code>{c.id}</code> · {c.countryName} ({c.jurisdiction})
                </h3>
                <dl className="ops-figures">
                  <div>
                    <dt>Records</dt>
                    <dd>{c.rows}</dd>
                  </div>
                  <div>
                    <dt>Files</dt>
                    <dd>{c.blobs}</dd>
                  </div>
                  <div data-figure="bytes">
                    <dt>File bytes</dt>
                    <dd>{formatBytes(c.blobBytes)}</dd>
                  </div>
                  <div>
                    <dt>Out of place</dt>
                    <dd className={c.violations > 0 ? 'ops-bad' : undefined}>{c.violations}</dd>
                  </div>
                </dl>
                <table className="ops-table ops-table-compact">
                  <caption className="visually-hidden">Records per category in cell {c.id}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Category</th>
                      <th scope="col" className="ops-num">
                        Records
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.categories.map((k) => (
                      <tr key={k.category} data-category={k.category}>
                        <td>
                          <code>{k.category}</code>
                        </td>
                        <td className="ops-num">{k.records}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </article>
            ))}
          </div>
          <h3>Accessed from, last 12 months</h3>
          <p className="small muted">
            Released access-log entries from {formatStamp(map.accessWindow.since)} to {formatStamp(map.accessWindow.until)}, by the country the person accessing was in.
          </p>
          {map.accesses.length === 0 ? (
            <p className="muted">No access released any data in this window.</p>
          ) : (
            <table className="ops-table" data-testid="datamap-accesses">
              <thead>
                <tr>
                  <th scope="col">People of</th>
                  <th scope="col">Category</th>
                  <th scope="col">Accessed from (entries)</th>
                </tr>
              </thead>
              <tbody>
                {map.accesses.map((a) => (
                  <tr key={`${a.home}-${a.category}`} data-home={a.home} data-category={a.category}>
                    <td>{countryName(a.home)}</td>
                    <td>
                      <code>{a.category}</code>
                    </td>
                    <td>
                      {a.countries.map((c, i) => (
                        <span key={c.country} className={c.country !== a.home ? 'ops-foreign' : undefined} data-country={c.country}>
                          {i > 0 && ', '}
                          {c.country === 'unknown' ? 'unknown country' : countryName(c.country)} ({c.entries})
                        </span>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </GovernancePage>
  );
}
