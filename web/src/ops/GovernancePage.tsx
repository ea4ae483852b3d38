// The frame of every read-only governance page (data map, recipients, notices, policies,
// operators): its heading with a Refresh button, a line saying where the figures come from, the
// load error, and — for operators without the role — a plain note instead of the page.
import { useId, type ReactNode } from 'react';
import type { Operator } from './types.js';
import { FormError } from '../forms.js';

/** Who may open the governance pages (the server checks the same). */
export function canGovern(operator: Operator): boolean {
  return operator.roles.some((r) => r === 'privacy-officer' || r === 'admin');
}

interface GovernancePageProps {
  title: string;
  testId: string;
  allowed: boolean;
  intro: ReactNode;
  error: string | null;
  onRefresh: () => void;
  children: ReactNode;
}

export function GovernancePage({ title, testId, allowed, intro, error, onRefresh, children }: GovernancePageProps) {
  const id = useId();
  if (!allowed) {
    return (
      <section className="ops-panel" data-testid={testId}>
        <h2>{title}</h2>
        <p className="muted">This page needs the privacy-officer or admin role.</p>
      </section>
    );
  }
  return (
    <section className="ops-panel" aria-labelledby={`${id}-h`} data-testid={testId}>
      <div className="ops-toolbar">
        <h2 id={`${id}-h`}>{title}</h2>
        <button type="button" className="button" onClick={onRefresh} data-testid={`${testId}-refresh`}>
          Refresh
        </button>
      </div>
      <p className="muted small">{intro}</p>
      <FormError error={error} testId="ops-error" />
      {children}
    </section>
  );
}
