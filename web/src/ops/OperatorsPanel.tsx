// The operator directory (privacy officers, admins): each operator with their employer and its
// country, office country, roles and status. Read only: operators are added and disabled with
// `domicile operator …` (journaled), which the API does not expose.
import { countryName } from '../format.js';
import { opsApi } from './api.js';
import { canGovern, GovernancePage } from './GovernancePage.js';
import type { Operator } from './types.js';
import { useOpsData } from './useOpsData.js';

export function OperatorsPanel({ operator }: { operator: Operator }) {
  const allowed = canGovern(operator);
  const { data: operators, error, reload } = useOpsData(async () => (await opsApi.operators()).operators, [], allowed);
  return (
    <GovernancePage
      title="Operators"
      testId="operators-panel"
      allowed={allowed}
      error={error}
      onRefresh={() => void reload()}
      intro={
        <>
          Everyone who can sign in to this console. Adding and disabling operators is done with <code>domicile operator</code> on the server, and journaled.
        </>
      }
    >
      {operators && (
        <table className="ops-table" data-testid="operators-table">
          <thead>
            <tr>
              <th scope="col">Operator</th>
              <th scope="col">Employer</th>
              <th scope="col">Office</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {operators.map((o) => (
              <tr key={o.id} data-testid="operator-row" data-operator={o.id} className={o.disabled ? 'ops-row-muted' : undefined}>
                <td>
                  <strong>{o.name}</strong>
                  <div className="small muted">{o.id}</div>
                </td>
                <td>
                  {o.employer.entity}
                  <div className="small muted">
                    {countryName(o.employer.country)} ({o.employer.country}) · {o.employer.tier}
                  </div>
                </td>
                <td>
                  {countryName(o.officeCountry)} ({o.officeCountry})
                </td>
                <td className="small">{o.roles.join(', ')}</td>
                <td>
                  <span className={`ops-status ops-status-${o.disabled ? 'revoked' : 'approved'}`}>{o.disabled ? 'disabled' : 'active'}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </GovernancePage>
  );
}
