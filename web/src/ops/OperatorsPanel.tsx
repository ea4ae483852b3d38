// The operator directory (privacy officers, admins): each operator with their employer and its
// country, office country, roles and status; admins add operators (the TOTP secret is shown once)
// and disable them (their sessions and sockets end at once; not themselves). Both journaled.
import { useId, useState, type FormEvent } from 'react';
import { countryName } from '../format.js';
import { opsApi } from './api.js';
import { canGovern, GovernancePage } from './GovernancePage.js';
import { OPERATOR_ROLES, type NewOperatorInput, type Operator, type OperatorRole } from './types.js';
import { useOpsAction, useOpsData } from './useOpsData.js';
import { FormError } from '../forms.js';

const EMPTY: NewOperatorInput = { id: '', name: '', employer: 'Nihon Talk Corp', employerCountry: 'JP', officeCountry: 'JP', roles: ['support'], password: '' };

function AddOperatorForm({ onAdded }: { onAdded: () => void }) {
  const id = useId();
  const [input, setInput] = useState<NewOperatorInput>(EMPTY);
  const [secret, setSecret] = useState<{ id: string; totpSecret: string; otpauthUri: string } | null>(null);
  const { error, busy, run } = useOpsAction();
  const set = (patch: Partial<NewOperatorInput>) => setInput((current) => ({ ...current, ...patch }));
  const toggleRole = (role: OperatorRole, on: boolean) => set({ roles: on ? [...input.roles, role] : input.roles.filter((r) => r !== role) });

  function submit(e: FormEvent) {
    e.preventDefault();
    void run('add', async () => {
      const added = await opsApi.addOperator(input);
      setSecret({ id: added.operator.id, totpSecret: added.totpSecret, otpauthUri: added.otpauthUri });
      setInput(EMPTY);
      onAdded();
    });
  }

  const field = (key: 'id' | 'name' | 'employer' | 'employerCountry' | 'officeCountry', label: string, extra: Record<string, string | number> = {}) => (
    <div className="ops-field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input id={`${id}-${key}`} required value={input[key]} onChange={(e) => set({ [key]: e.target.value })} data-testid={`operator-add-${key}`} {...extra} />
    </div>
  );

  return (
    <form className="ops-card" onSubmit={submit} data-testid="operator-add-form" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Add an operator</h3>
      <div className="ops-form-grid">
        {field('id', 'Operator id', { placeholder: 'op-tokyo-night', pattern: '[a-z][a-z0-9-]{2,63}' })}
        {field('name', 'Name')}
        {field('employer', 'Employer (a registry recipient)')}
        {field('employerCountry', 'Employer country', { maxLength: 2 })}
        {field('officeCountry', 'Office country', { maxLength: 2 })}
        <div className="ops-field">
          <label htmlFor={`${id}-password`}>Initial password (12+ characters)</label>
          <input id={`${id}-password`} type="password" autoComplete="new-password" required minLength={12} value={input.password} onChange={(e) => set({ password: e.target.value })} data-testid="operator-add-password" />
        </div>
        <fieldset className="ops-field ops-span-all">
          <legend>Roles</legend>
          <div className="ops-actions">
            {OPERATOR_ROLES.map((role) => (
              <label key={role} className="small ops-check">
                <input type="checkbox" checked={input.roles.includes(role)} onChange={(e) => toggleRole(role, e.target.checked)} data-testid={`operator-add-role-${role}`} /> {role}
              </label>
            ))}
          </div>
        </fieldset>
      </div>
      <div className="ops-actions">
        <button type="submit" className="button button-primary" disabled={busy !== null || input.roles.length === 0} data-testid="operator-add-submit">
          {busy ? 'Adding…' : 'Add operator (logged)'}
        </button>
      </div>
      <FormError error={error} testId="operator-add-error" />
      {secret && (
        <div className="ops-card" role="status" data-testid="operator-added">
          <p>
            Added <strong>{secret.id}</strong>. Its TOTP secret is shown only now: give it to the operator over a safe channel.
          </p>
          <p className="ops-secret" data-testid="operator-added-secret">
            {secret.totpSecret}
          </p>
          <p className="ops-secret small muted">{secret.otpauthUri}</p>
        </div>
      )}
    </form>
  );
}

export function OperatorsPanel({ operator }: { operator: Operator }) {
  const allowed = canGovern(operator);
  const isAdmin = operator.roles.includes('admin');
  const { data: operators, error, reload, busy, run } = useOpsData(async () => (await opsApi.operators()).operators, [], allowed);
  const disable = (target: Operator) => {
    if (!window.confirm(`Disable ${target.id}? Their sessions end at once and they cannot sign in again.`)) return;
    void run(`disable-${target.id}`, async () => {
      await opsApi.disableOperator(target.id);
      await reload();
    });
  };
  return (
    <GovernancePage
      title="Operators"
      testId="operators-panel"
      allowed={allowed}
      error={error}
      onRefresh={() => void reload()}
      intro="Everyone who can sign in to this console. Admins add and disable operators here or with domicile operator on the server; both are recorded in every jurisdiction's access log."
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
              {isAdmin && <th scope="col">Action</th>}
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
                {isAdmin && (
                  <td>
                    {!o.disabled && o.id !== operator.id && (
                      <button type="button" className="button button-danger" disabled={busy !== null} onClick={() => disable(o)} data-testid="operator-disable" aria-label={`Disable ${o.id}`}>
                        Disable
                      </button>
                    )}
                    {o.id === operator.id && <span className="small muted">you</span>}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {isAdmin && <AddOperatorForm onAdded={() => void reload()} />}
    </GovernancePage>
  );
}
