// Disclosure to the person (APPI Art. 33, including the records of provision to third parties):
// what is held about them by category, where each category is stored, their consents, their
// transfer records and the access-log entries about them. Built from gathered facts; pure.
// Entries name the accessing organisation and countries, not the staff member, and never other
// people named in the same entry. A read outside the person's own session is logged first
// (disclosureReadEntry).

import { unaffiliatedActor, type AccessEntry } from '../log/entry.js';
import type { ConsentHistoryEntry, ConsentView, TransferRecordView } from '../transfers/consent.service.js';
import { privacyCategories } from '../transfers/transfer.terms.js';
import type { LoggedAccess } from './access-history.js';
import type { StoredFact } from './report.readers.js';

export interface DisclosureSubject {
  readonly id: string;
  readonly kind: string;
  readonly home: string;
  readonly class: string;
}

export interface DisclosureInput {
  readonly at: Date;
  readonly subject: DisclosureSubject;
  readonly countryName: (code: string) => string;
  readonly held: readonly StoredFact[];
  readonly consents: readonly ConsentView[];
  readonly consentHistory: readonly ConsentHistoryEntry[];
  readonly transfers: readonly TransferRecordView[];
  readonly accesses: readonly LoggedAccess[];
  /** True when more entries exist than were read. */
  readonly accessesTruncated: boolean;
}

export interface HeldCategory {
  readonly category: string;
  readonly records: number;
  readonly storedIn: readonly { readonly cell: string; readonly country: string; readonly countryName: string; readonly records: number }[];
}

export interface DisclosedAccess {
  readonly time: string;
  readonly organisation: string | null;
  readonly organisationCountry: string | null;
  readonly officeCountry: string | null;
  /** Where the person accessing was, observed from their network address. */
  readonly physicalCountry: string | null;
  readonly categories: readonly string[];
  readonly fields: readonly string[];
  readonly action: string;
  readonly purpose: string;
  readonly caseRef: string | null;
  readonly decision: string;
  readonly released: number;
  /** Where to check the entry: the log of this cell, at this index (inclusion proofs). */
  readonly log: { readonly cell: string; readonly index: number };
}

export interface Disclosure {
  readonly generatedAt: string;
  readonly subject: DisclosureSubject;
  readonly held: readonly HeldCategory[];
  /** Countries where any of the person's data is stored. */
  readonly storedIn: readonly string[];
  readonly consents: readonly ConsentView[];
  readonly consentHistory: readonly ConsentHistoryEntry[];
  readonly transfers: readonly TransferRecordView[];
  readonly accesses: readonly DisclosedAccess[];
  readonly accessesTruncated: boolean;
}

export function buildDisclosure(input: DisclosureInput): Disclosure {
  const byCategory = new Map<string, StoredFact[]>();
  for (const fact of input.held) byCategory.set(fact.category, [...(byCategory.get(fact.category) ?? []), fact]);
  const held = [...byCategory.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([category, facts]) => ({
      category,
      records: facts.reduce((n, f) => n + f.rows, 0),
      storedIn: facts
        .sort((a, b) => a.cell.localeCompare(b.cell))
        .map((f) => ({ cell: f.cell, country: f.country, countryName: input.countryName(f.country), records: f.rows })),
    }));
  return {
    generatedAt: input.at.toISOString(),
    subject: input.subject,
    held,
    storedIn: [...new Set(input.held.map((f) => f.country))].sort(),
    consents: input.consents,
    consentHistory: input.consentHistory,
    transfers: input.transfers,
    accesses: input.accesses.map(({ cellId, index, entry }) => ({
      time: entry.time,
      organisation: entry.actorEmployer,
      organisationCountry: entry.actorEmployerCountry,
      officeCountry: entry.actorOfficeCountry,
      physicalCountry: entry.actorPhysicalCountry,
      categories: entry.categories,
      fields: entry.fields,
      action: entry.action,
      purpose: entry.purpose,
      caseRef: entry.caseRef,
      decision: entry.decision,
      released: entry.released,
      log: { cell: cellId, index },
    })),
    accessesTruncated: input.accessesTruncated,
  };
}

/** Who reads a disclosure on a person's request outside the HTTP API: the deployment's CLI. */
export const LOCAL_CLI_ACTOR = 'system:local-cli';

/**
 * The access-log entry of a disclosure read on the person's request (purpose
 * DATA_SUBJECT_REQUEST): their consent history and transfer records, for the subject's home log.
 * The reader is a system identity of the deployment, so no employer or office; where it runs is
 * not known to the process, so the physical country is recorded as unknown.
 */
export function disclosureReadEntry(props: { disclosure: Disclosure; eventId: string; at: Date; actor?: string }): AccessEntry {
  const { disclosure } = props;
  return {
    eventId: props.eventId,
    time: props.at.toISOString(),
    ...unaffiliatedActor(props.actor ?? LOCAL_CLI_ACTOR),
    subjectJurisdiction: disclosure.subject.home,
    subjects: [disclosure.subject.id],
    categories: [privacyCategories.consent, privacyCategories.transferRecord],
    fields: [],
    action: 'read',
    purpose: 'DATA_SUBJECT_REQUEST',
    caseRef: null,
    grantId: null,
    decision: 'allow',
    policyIds: [],
    released: disclosure.consentHistory.length + disclosure.transfers.length,
  };
}

/** The disclosure as text for people. */
export function renderDisclosure(d: Disclosure, countryName: (code: string) => string): string {
  const lines = [
    `Disclosure for ${d.subject.id} (home ${d.subject.home}, ${d.subject.kind}, class ${d.subject.class})`,
    `Generated ${d.generatedAt}`,
    '',
    `Data held (stored in ${d.storedIn.map((c) => `${countryName(c)} (${c})`).join(', ') || 'no cell'}):`,
  ];
  for (const h of d.held) {
    lines.push(`  ${h.category}: ${h.records} record${h.records === 1 ? '' : 's'} — ${h.storedIn.map((s) => `${s.countryName} (${s.country}, cell ${s.cell}): ${s.records}`).join('; ')}`);
  }
  lines.push('', `Consents (${d.consents.length}):`);
  for (const c of d.consents) {
    lines.push(`  ${c.noticeId} v${c.noticeVersion} — ${c.status}; given ${c.givenAt}${c.withdrawnAt === null ? '' : `, withdrawn ${c.withdrawnAt}`}; destinations ${c.destinations.join(', ') || '(country not yet known)'}; receipt ${c.receiptId}`);
  }
  lines.push('', `Transfer records (${d.transfers.length}):`);
  for (const t of d.transfers) {
    lines.push(`  ${t.day} ${t.category} × ${t.items} → ${t.destination}, ${t.recipient.name}; basis ${t.basis} (${t.basisRef}); purpose ${t.purpose}; kept until ${t.keepUntil}`);
  }
  lines.push('', `Access-log entries about you (${d.accesses.length}${d.accessesTruncated ? ', newest only' : ''}):`);
  for (const a of d.accesses) {
    lines.push(`  ${a.time} ${a.decision} ${a.action} ${a.categories.join(', ')} by ${a.organisation ?? 'a system job'} from ${a.physicalCountry ?? 'an unknown country'}; purpose ${a.purpose}${a.caseRef === null ? '' : ` (${a.caseRef})`}; log ${a.log.cell}#${a.log.index}`);
  }
  return `${lines.join('\n')}\n`;
}
