// Jurisdiction cut-offs: the blocked list, and (admins, security) block or unblock a country.
// A block refuses new operator requests from or for that country and ends its live sessions.
import { useId, useState, type FormEvent } from 'react';
import { errorMessageWithCode } from '../http.js';
import { opsApi } from './api.js';
import { countryName } from '../format.js';
import type { Operator } from './types.js';
import { FormError } from '../forms.js';

interface BlocksPanelProps {
  operator: Operator;
  blocked: string[];
  onBlocked: (blocked: string[]) => void;
}

export function BlocksPanel({ operator, blocked, onBlocked }: BlocksPanelProps) {
  const id = useId();
  const [country, setCountry] = useState('CN');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mayChange = operator.roles.some((r) => r === 'admin' || r === 'security');

  async function run(action: () => Promise<{ blocked: string[] }>) {
    setBusy(true);
    setError(null);
    try {
      onBlocked((await action()).blocked);
    } catch (err) {
      setError(errorMessageWithCode(err));
    } finally {
      setBusy(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const code = country.trim().toUpperCase();
    void run(() => opsApi.block(code));
  }

  return (
    <section className="ops-panel" aria-labelledby={`${id}-h`} data-testid="blocks-panel">
      <div className="ops-toolbar">
        <h2 id={`${id}-h`}>Jurisdiction cut-offs</h2>
        <button type="button" className="button" onClick={() => void run(() => opsApi.blocks())} data-testid="blocks-refresh">
          Refresh
        </button>
      </div>
      <p className="muted small">A blocked country’s operators, and every request from it, are refused at once; their live sessions end within a second.</p>
      {blocked.length === 0 ? (
        <p className="muted" data-testid="blocks-empty">
          No jurisdiction is cut off.
        </p>
      ) : (
        <ul className="ops-block-list" data-testid="blocks-list">
          {blocked.map((c) => (
            <li key={c} className="ops-card ops-block" data-testid="block-item" data-country={c}>
              <span>
                <strong>{c}</strong> {countryName(c)}
              </span>
              {mayChange && (
                <button type="button" className="button button-small" disabled={busy} onClick={() => void run(() => opsApi.unblock(c))} data-testid="unblock">
                  Unblock {c}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {mayChange ? (
        <form className="ops-card ops-inline-form" onSubmit={submit} data-testid="block-form">
          <div className="ops-field">
            <label htmlFor={`${id}-country`}>Country to cut off (ISO code)</label>
            <input id={`${id}-country`} required maxLength={2} value={country} onChange={(e) => setCountry(e.target.value)} data-testid="block-country" />
          </div>
          <button type="submit" className="button button-danger" disabled={busy} data-testid="block-submit">
            Block
          </button>
        </form>
      ) : (
        <p className="muted small">Blocking and unblocking need the admin or security role.</p>
      )}
      <FormError error={error} testId="ops-error" />
    </section>
  );
}
