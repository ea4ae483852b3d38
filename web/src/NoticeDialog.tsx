// The notice shown before a person's first message to a conversation stored abroad (issue 5): the
// destination country and its protection regime, the recipient and its measures, the purpose, the
// data and the person's rights, with "Agree and send" (records the consent) or "Cancel".
import { useEffect, useId, useRef, useState } from 'react';
import { api } from './api.js';
import { ApiError, errorMessage } from './http.js';
import { categoryLabel, countryName } from './format.js';
import type { ConsentRequired, Notice } from './types.js';
import { FormError } from './forms.js';

interface NoticeDialogProps {
  request: ConsentRequired;
  /** How many messages wait for this consent (shown on the button when more than one). */
  waiting: number;
  onAgreed: () => void;
  onCancel: () => void;
  /** What the consent is for: sending messages (default) or joining a conversation stored abroad. */
  action?: 'send' | 'join';
}

export function NoticeDialog({ request, waiting, onAgreed, onCancel, action = 'send' }: NoticeDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) {
      dialog.showModal();
      // showModal focuses the first focusable element, which is the (keyboard-scrollable) notice text;
      // Cancel stays the safe first focus.
      cancelRef.current?.focus();
    }
  }, []);

  useEffect(() => {
    let cancelled = false;
    setNotice(null);
    setLoadError(null);
    api.notice(request.noticeId).then(
      (r) => {
        if (!cancelled) setNotice(r.notice);
      },
      (err: unknown) => {
        if (!cancelled) setLoadError(errorMessage(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [request.noticeId]);

  async function agree() {
    if (!notice) return;
    setBusy(true);
    setError(null);
    try {
      // The version shown, so a notice changed in the meantime is refused rather than silently agreed to.
      await api.giveConsent(notice.noticeId, notice.version);
      onAgreed();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NOTICE_VERSION_CHANGED') {
        setError('This notice has just been updated. Please read the new version below before agreeing.');
        api.notice(request.noticeId).then((r) => setNotice(r.notice), () => undefined);
      } else {
        setError(errorMessage(err));
      }
      setBusy(false);
    }
  }

  const destinations = notice?.transfers.destinations ?? [];
  const countries = destinations.map((d) => d.countryName || countryName(d.country));
  const where = countries.length > 0 ? countries.join(', ') : countryName(request.destination ?? '');

  return (
    <dialog
      ref={ref}
      className="notice-dialog"
      aria-labelledby={`${id}-h`}
      aria-describedby={`${id}-lead`}
      data-testid="notice-dialog"
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <header className="notice-header">
        <p className="notice-kicker">{action === 'join' ? 'Before you join' : 'Before your message is sent'}</p>
        <h2 id={`${id}-h`}>{action === 'join' ? `Your membership will be stored in ${where}` : `Your message will be stored in ${where}`}</h2>
        <p id={`${id}-lead`} className="notice-lead">
          This conversation is kept outside {countryName(notice?.homeJurisdiction ?? '') || 'your home country'}.{' '}
          {action === 'join' ? 'Joining it' : 'Sending into it'} transfers your data abroad, which needs your consent. Please read what
          that means.
        </p>
      </header>
      {/* Focusable so the notice can be scrolled from the keyboard. */}
      <div className="notice-body" tabIndex={0} role="region" aria-label="The notice in full">
        <FormError error={loadError} />
        {!notice && !loadError && <p className="muted">Loading the notice…</p>}
        {notice && (
          <>
            {destinations.map((d) => (
              <section key={d.country} className="notice-section" data-testid="notice-destination">
                <h3>
                  Destination: {d.countryName || countryName(d.country)} · {d.country}
                </h3>
                {d.regimeInfo && (
                  <>
                    <h4>How personal data is protected there</h4>
                    <p data-testid="notice-regime">{d.regimeInfo.summary.replace(/^Summary:\s*/, '')}</p>
                    {d.regimeInfo.source && <p className="muted small">Source: {d.regimeInfo.source}</p>}
                  </>
                )}
                {d.recipients.map((r) => (
                  <div key={r.id} className="notice-recipient" data-testid="notice-recipient">
                    <h4>Recipient: {r.name}</h4>
                    {r.role && <p className="muted">Role: {r.role}</p>}
                    {r.measures && <p>Its protection measures: {r.measures.summary}</p>}
                  </div>
                ))}
              </section>
            ))}
            <section className="notice-section">
              <h3>Why</h3>
              <p data-testid="notice-purpose">{notice.purpose.description}</p>
              {notice.use && <p>{notice.use}</p>}
            </section>
            <section className="notice-section">
              <h3>Which data</h3>
              <ul className="notice-list">
                {notice.dataCollected.map((d) => (
                  <li key={d.category}>
                    <strong>{categoryLabel(d.category)}</strong> — {d.description}
                  </li>
                ))}
              </ul>
              {notice.retention?.period && <p className="muted">Kept: {notice.retention.period}</p>}
            </section>
            {notice.risks && notice.risks.length > 0 && (
              <section className="notice-section">
                <h3>What to be aware of</h3>
                <ul className="notice-list">
                  {notice.risks.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </section>
            )}
            <section className="notice-section">
              <h3>Your rights</h3>
              {notice.rights?.description && <p data-testid="notice-rights">{notice.rights.description}</p>}
              {notice.rights?.howToExercise && <p>{notice.rights.howToExercise}</p>}
              {notice.choices?.howToWithdraw && <p>To withdraw: {notice.choices.howToWithdraw}</p>}
              {notice.inquiries?.contact && <p className="muted small">Contact: {notice.inquiries.contact}</p>}
              {notice.inquiries?.complaints && <p className="muted small">{notice.inquiries.complaints}</p>}
            </section>
            <p className="muted small">
              Notice {notice.noticeId}, version {notice.version}, in effect from {notice.effectiveFrom}
              {notice.controller ? ` · controller ${notice.controller.name}` : ''}. You can withdraw this consent at any
              time in the Privacy centre.
            </p>
          </>
        )}
      </div>
      <footer className="notice-actions">
        <FormError error={error} testId="notice-error" />
        <button ref={cancelRef} type="button" className="button" onClick={onCancel} disabled={busy} data-testid="notice-cancel">
          Cancel
        </button>
        <button
          type="button"
          className="button button-primary"
          onClick={() => void agree()}
          disabled={busy || !notice}
          data-testid="notice-agree"
        >
          {busy ? 'Saving…' : action === 'join' ? 'Agree and join' : waiting > 1 ? `Agree and send ${waiting} messages` : 'Agree and send'}
        </button>
      </footer>
    </dialog>
  );
}
