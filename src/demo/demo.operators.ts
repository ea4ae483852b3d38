// The demo's operators and support tickets: Nihon Talk Corp's staff in Tokyo (support,
// moderation, an approver, an admin), a Seoul Cloud engineer, and the four Shanghai Dev Ltd.
// engineers of the story, who had broad remote access under the old policy and are denied by
// the current one. Credentials are fixed and public: demo only.
import type { Runtime } from '../app/runtime.js';
import { systemActor } from '../governance/journal.js';
import type { Employer } from '../governance/operators/operators.js';
import type { OperatorRole } from '../governance/policy/policy.request.js';

/** Every demo operator's password. */
export const demoOperatorPassword = 'domicile-ops-demo';
/** Every demo operator's TOTP secret (base32, RFC 6238 defaults: SHA-1, 6 digits, 30 s). */
export const demoTotpSecret = 'DOMICILEDEMOTOTPSECRETFOROPSDEMO';

const nihonTalk: Employer = { id: 'nihon-talk', entity: 'Nihon Talk Corp', country: 'JP', tier: 'own' };
const seoulCloud: Employer = { id: 'seoul-cloud', entity: 'Seoul Cloud Co.', country: 'KR', tier: 'contractor' };
const shanghaiDev: Employer = { id: 'shanghai-dev', entity: 'Shanghai Dev Ltd.', country: 'CN', tier: 'contractor' };

export const demoOperators: readonly { id: string; name: string; employer: Employer; officeCountry: string; roles: OperatorRole[] }[] = [
  { id: 'op-tokyo-support', name: 'Tokyo support desk', employer: nihonTalk, officeCountry: 'JP', roles: ['support'] },
  { id: 'op-tokyo-moderator', name: 'Tokyo trust and safety', employer: nihonTalk, officeCountry: 'JP', roles: ['moderator'] },
  { id: 'op-tokyo-approver', name: 'Tokyo access approver', employer: nihonTalk, officeCountry: 'JP', roles: ['approver'] },
  { id: 'op-tokyo-admin', name: 'Tokyo platform admin', employer: nihonTalk, officeCountry: 'JP', roles: ['admin'] },
  { id: 'op-tokyo-privacy', name: 'Tokyo privacy officer', employer: nihonTalk, officeCountry: 'JP', roles: ['privacy-officer'] },
  { id: 'op-seoul-eng', name: 'Seoul Cloud engineer', employer: seoulCloud, officeCountry: 'KR', roles: ['engineer'] },
  ...[1, 2, 3, 4].map((n) => ({ id: `op-shanghai-eng${n}`, name: `Shanghai Dev engineer ${n}`, employer: shanghaiDev, officeCountry: 'CN', roles: ['engineer'] as OperatorRole[] })),
];

/** The demo's support tickets, opened by their people: T-1001 by hanako, T-2001 by minjun. */
export const demoTickets = [
  { ref: 'T-1001', subject: 'hanako', reason: 'account' },
  { ref: 'T-2001', subject: 'minjun', reason: 'login' },
] as const;

/** Creates the demo operators and tickets that are not there yet. */
export async function seedDemoOperators(runtime: Runtime): Promise<void> {
  const { governance } = runtime;
  for (const operator of demoOperators) {
    if (await governance.operators.find(operator.id)) continue;
    await governance.operators.create({ ...operator, password: demoOperatorPassword, totpSecret: demoTotpSecret, actor: systemActor('system:demo') });
  }
  for (const ticket of demoTickets) {
    if (await governance.cases.find(ticket.ref)) continue;
    const subject = (await governance.subjectsOf([ticket.subject])).get(ticket.subject);
    if (!subject) continue;
    // Opened by the person, as from the app: a case staff may cite at once.
    await governance.cases.openSupportTicket({ ref: ticket.ref, subject, reason: ticket.reason });
  }
}
