// Operator sign-in: operator id, password and a one-time code; in demo mode only, a clearly
// labelled simulated source address (the server must say it accepts one from this browser).
import { useEffect, useId, useState, type FormEvent } from 'react';
import { errorMessageWithCode } from '../http.js';
import { opsApi } from './api.js';
import { countryName } from '../format.js';
import { probeDemoMode } from './socket.js';
import type { SignInResult } from './types.js';
import { FormError } from '../forms.js';

/** The demo-mode source addresses an operator may appear from (README). */
const SIMULATED_ADDRESSES = [
  { address: '133.242.0.1', country: 'JP' },
  { address: '211.43.0.1', country: 'KR' },
  { address: '1.2.4.8', country: 'CN' },
] as const;

interface SignInProps {
  onSignedIn: (result: SignInResult, simulatedAddress: string | null) => void;
}

export function SignIn({ onSignedIn }: SignInProps) {
  const id = useId();
  const [operatorId, setOperatorId] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [demo, setDemo] = useState<boolean | null>(null);
  const [simulated, setSimulated] = useState<string>(SIMULATED_ADDRESSES[0].address);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void probeDemoMode().then((isDemo) => {
      if (live) setDemo(isDemo);
    });
    return () => {
      live = false;
    };
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const address = demo && simulated !== '' ? simulated : null;
    opsApi.simulatedAddress = address;
    try {
      const result = await opsApi.signIn({ operatorId: operatorId.trim(), password, code: code.trim() });
      onSignedIn(result, address);
    } catch (err) {
      setError(errorMessageWithCode(err));
      setBusy(false);
    }
  }

  return (
    <main className="ops-auth-page">
      <form className="ops-card ops-auth-card" onSubmit={(e) => void submit(e)} data-testid="ops-signin-form" aria-labelledby={`${id}-h`}>
        <div className="ops-brand">
          <span className="ops-brand-mark" aria-hidden="true">
            D
          </span>
          <span>Domicile</span>
          <span className="ops-brand-sub">Operator console</span>
        </div>
        <h1 id={`${id}-h`}>Operator sign-in</h1>
        <p className="muted small">Every access to personal data is decided by policy and written to the access log, allowed or not.</p>
        <div className="ops-field">
          <label htmlFor={`${id}-op`}>Operator id</label>
          <input id={`${id}-op`} autoComplete="username" required value={operatorId} onChange={(e) => setOperatorId(e.target.value)} placeholder="op-tokyo-support" data-testid="ops-signin-operator" />
        </div>
        <div className="ops-field">
          <label htmlFor={`${id}-pw`}>Password</label>
          <input id={`${id}-pw`} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="ops-signin-password" />
        </div>
        <div className="ops-field">
          <label htmlFor={`${id}-code`}>One-time code (TOTP)</label>
          <input
            id={`${id}-code`}
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6,8}"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
            placeholder="6 digits"
            data-testid="ops-signin-code"
          />
        </div>
        {demo && (
          <div className="ops-field ops-demo-field" data-testid="ops-demo-address-field">
            <label htmlFor={`${id}-sim`}>Simulated source address (demo mode)</label>
            <select id={`${id}-sim`} value={simulated} onChange={(e) => setSimulated(e.target.value)} data-testid="ops-signin-simulated">
              {SIMULATED_ADDRESSES.map((a) => (
                <option key={a.address} value={a.address}>
                  {countryName(a.country)} · {a.address}
                </option>
              ))}
              <option value="">None: use this machine’s real address</option>
            </select>
            <p className="hint">
              This server runs in demo mode: requests from this machine appear to come from the chosen address and are labelled as simulated in
              the access log. A real deployment refuses this.
            </p>
          </div>
        )}
        <FormError error={error} testId="ops-error" />
        <button type="submit" className="button button-primary button-block" disabled={busy} data-testid="ops-signin-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
