// The operator console: sign-in, then a header that says who is signed in and from where (a
// simulated demo address is labelled as such), the live operator socket with a banner when a
// cut-off (4403) or an ended session (4401) closes it, and the work areas (incidents for privacy
// officers).
import { useCallback, useEffect, useRef, useState } from 'react';
import { loadSession, opsApi, saveSession } from './api.js';
import { BlocksPanel } from './BlocksPanel.js';
import { CasesPanel } from './CasesPanel.js';
import { DataMapPanel } from './DataMapPanel.js';
import { originLabel } from '../format.js';
import { GrantsPanel } from './GrantsPanel.js';
import { IncidentsPanel } from './IncidentsPanel.js';
import { LogPanel } from './LogPanel.js';
import { LookupPanel } from './LookupPanel.js';
import { ModerationPanel } from './ModerationPanel.js';
import { NoticesPanel } from './NoticesPanel.js';
import { OperatorsPanel } from './OperatorsPanel.js';
import { PaymentSupportPanel } from './PaymentSupportPanel.js';
import { PlacementPanel } from './PlacementPanel.js';
import { PoliciesPanel } from './PoliciesPanel.js';
import { RecipientsPanel } from './RecipientsPanel.js';
import { SignIn } from './SignIn.js';
import { connectOpsSocket, CUT_OFF_CLOSE, SESSION_ENDED_CLOSE, type SocketClosed, type SocketState } from './socket.js';
import type { Operator, OperatorSession, Origin } from './types.js';

interface Signed {
  token: string;
  operator: Operator;
  session: OperatorSession;
  origin: Origin;
  blocked: string[];
  simulatedAddress: string | null;
}

type Tab = 'lookup' | 'payments' | 'cases' | 'grants' | 'moderation' | 'blocks' | 'incidents' | 'datamap' | 'placement' | 'recipients' | 'notices' | 'policies' | 'operators' | 'log';
const TABS: { id: Tab; label: string }[] = [
  { id: 'lookup', label: 'Subject lookup' },
  { id: 'payments', label: 'Payment support' },
  { id: 'cases', label: 'Cases' },
  { id: 'grants', label: 'Grants' },
  { id: 'moderation', label: 'Moderation' },
  { id: 'blocks', label: 'Cut-offs' },
  { id: 'incidents', label: 'Incidents' },
  { id: 'datamap', label: 'Data map' },
  { id: 'placement', label: 'Placement & migrations' },
  { id: 'recipients', label: 'Recipients' },
  { id: 'notices', label: 'Notices' },
  { id: 'policies', label: 'Policies' },
  { id: 'operators', label: 'Operators' },
  { id: 'log', label: 'Log' },
];

export function OpsApp() {
  const [signed, setSigned] = useState<Signed | null>(null);
  const [restoring, setRestoring] = useState(true);

  useEffect(() => {
    const stored = loadSession();
    if (!stored) {
      setRestoring(false);
      return;
    }
    opsApi.token = stored.token;
    opsApi.simulatedAddress = stored.simulatedAddress;
    opsApi
      .me()
      .then((me) => setSigned({ token: stored.token, simulatedAddress: stored.simulatedAddress, ...me }))
      .catch(() => {
        opsApi.token = null;
        saveSession(null);
      })
      .finally(() => setRestoring(false));
  }, []);

  const signOut = useCallback(async () => {
    await opsApi.signOut().catch(() => undefined);
    opsApi.token = null;
    opsApi.simulatedAddress = null;
    saveSession(null);
    setSigned(null);
  }, []);

  if (restoring) return <p className="ops-center muted">Loading…</p>;
  if (!signed) {
    return (
      <SignIn
        onSignedIn={(result, simulatedAddress) => {
          opsApi.token = result.token;
          opsApi.simulatedAddress = simulatedAddress;
          saveSession({ token: result.token, simulatedAddress });
          setSigned({ token: result.token, operator: result.operator, session: result.session, origin: result.origin, blocked: [], simulatedAddress });
          // The blocked list comes with /me; the sign-in answer does not carry it.
          void opsApi.me().then((me) => setSigned((s) => (s ? { ...s, blocked: me.blocked } : s)), () => undefined);
        }}
      />
    );
  }
  return <Console signed={signed} onBlocked={(blocked) => setSigned((s) => (s ? { ...s, blocked } : s))} onSignOut={() => void signOut()} />;
}

interface ConsoleProps {
  signed: Signed;
  onBlocked: (blocked: string[]) => void;
  onSignOut: () => void;
}

function Console({ signed, onBlocked, onSignOut }: ConsoleProps) {
  // A privacy officer's work is the incidents; everyone else starts at the lookup.
  const [tab, setTab] = useState<Tab>(signed.operator.roles.includes('privacy-officer') ? 'incidents' : 'lookup');
  const [socketState, setSocketState] = useState<SocketState>('connecting');
  const [closed, setClosed] = useState<SocketClosed | null>(null);
  const [grantTick, setGrantTick] = useState(0);
  const [reportTick, setReportTick] = useState(0);
  const [newReports, setNewReports] = useState(0);
  const [reconnect, setReconnect] = useState(0);
  const onBlockedRef = useRef(onBlocked);
  onBlockedRef.current = onBlocked;

  useEffect(() => {
    setClosed(null);
    const disconnect = connectOpsSocket(signed.token, signed.simulatedAddress, {
      onState: setSocketState,
      onPush: (push) => {
        if (push.type === 'grant') setGrantTick((t) => t + 1);
        else if (push.type === 'report') {
          setReportTick((t) => t + 1);
          setNewReports((n) => n + 1);
        } else onBlockedRef.current(push.blocked);
      },
      onClosed: (info) => setClosed(info),
    });
    return disconnect;
  }, [signed.token, signed.simulatedAddress, reconnect]);

  // An ordinary drop (server restart, network) reconnects; a cut-off or an ended session does not.
  useEffect(() => {
    if (!closed || closed.code === CUT_OFF_CLOSE || closed.code === SESSION_ENDED_CLOSE) return;
    const timer = setTimeout(() => setReconnect((n) => n + 1), 3000);
    return () => clearTimeout(timer);
  }, [closed]);

  const { operator, origin } = signed;
  return (
    <div className="ops-shell" data-testid="ops-console">
      <header className="ops-header">
        <div className="ops-brand">
          <span className="ops-brand-mark" aria-hidden="true">
            D
          </span>
          <span>Domicile</span>
          <span className="ops-brand-sub">Operator console</span>
        </div>
        <div className="ops-who" data-testid="ops-operator">
          <strong>{operator.name}</strong>
          <span className="muted small">
            {operator.id} · {operator.employer.entity} ({operator.employer.country}) · {operator.roles.join(', ')}
          </span>
        </div>
        <span className={`ops-origin${origin.simulated ? ' is-simulated' : ''}`} data-testid="ops-origin" title={origin.simulated ? 'Demo mode: not a real location' : 'Observed from your source address'}>
          {originLabel(origin)}
        </span>
        <span className={`ops-live ops-live-${socketState}`} data-testid="ops-socket" data-state={socketState}>
          {socketState === 'open' ? 'Live' : socketState === 'connecting' ? 'Connecting…' : 'Offline'}
        </span>
        <button type="button" className="button button-small" onClick={onSignOut} data-testid="ops-signout">
          Sign out
        </button>
      </header>
      {closed && <ClosedBanner closed={closed} blocked={signed.blocked} onSignOut={onSignOut} />}
      <nav className="ops-tabs" aria-label="Console areas">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            className={`ops-tab${tab === t.id ? ' is-active' : ''}`}
            aria-current={tab === t.id ? 'page' : undefined}
            onClick={() => {
              setTab(t.id);
              if (t.id === 'moderation') setNewReports(0);
            }}
            data-testid={`ops-tab-${t.id}`}
          >
            {t.label}
            {t.id === 'moderation' && newReports > 0 && <span className="ops-count">{newReports}</span>}
            {t.id === 'blocks' && signed.blocked.length > 0 && <span className="ops-count ops-count-danger">{signed.blocked.length}</span>}
          </button>
        ))}
      </nav>
      <main className="ops-main">
        {tab === 'lookup' && <LookupPanel />}
        {tab === 'payments' && <PaymentSupportPanel />}
        {tab === 'cases' && <CasesPanel operator={operator} />}
        {tab === 'grants' && <GrantsPanel operator={operator} country={origin.country} refreshKey={grantTick} />}
        {tab === 'moderation' && <ModerationPanel refreshKey={reportTick} />}
        {tab === 'blocks' && <BlocksPanel operator={operator} blocked={signed.blocked} onBlocked={onBlocked} />}
        {tab === 'incidents' && <IncidentsPanel operator={operator} />}
        {tab === 'datamap' && <DataMapPanel operator={operator} />}
        {tab === 'placement' && <PlacementPanel operator={operator} />}
        {tab === 'recipients' && <RecipientsPanel operator={operator} />}
        {tab === 'notices' && <NoticesPanel operator={operator} />}
        {tab === 'policies' && <PoliciesPanel operator={operator} />}
        {tab === 'operators' && <OperatorsPanel operator={operator} />}
        {tab === 'log' && <LogPanel operator={operator} />}
      </main>
    </div>
  );
}

function ClosedBanner({ closed, blocked, onSignOut }: { closed: SocketClosed; blocked: string[]; onSignOut: () => void }) {
  if (closed.code === CUT_OFF_CLOSE) {
    return (
      <div className="ops-banner ops-banner-danger" role="alert" data-testid="cutoff-banner">
        <span className="ops-banner-text">
          <strong>Operator access cut off.</strong> {sentence(closed.reason || 'This jurisdiction was blocked')}
          {blocked.length > 0 && <> Blocked now: {blocked.join(', ')}.</>} This session has ended; nothing more can be read from here.
        </span>
        <button type="button" className="button button-small" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    );
  }
  if (closed.code === SESSION_ENDED_CLOSE) {
    return (
      <div className="ops-banner" role="alert" data-testid="session-ended-banner">
        <span className="ops-banner-text">
          <strong>Session ended.</strong> {sentence(closed.reason || 'Sign in again to continue')}
        </span>
        <button type="button" className="button button-small" onClick={onSignOut}>
          Sign in again
        </button>
      </div>
    );
  }
  return (
    <div className="ops-banner" role="status" data-testid="offline-banner">
      Live connection lost{closed.reason ? ` (${closed.reason})` : ''}; reconnecting…
    </div>
  );
}


/** A close reason as a sentence: capitalised, ending with a full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
