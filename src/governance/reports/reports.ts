// Gathers the facts for the disclosure, the foreign-handling statement and the access and
// incident reports, and hands them to the pure builders. Shared by the CLI and the HTTP routes so both say exactly the same thing.

import type { CellRegistry } from '../../cells/cell.registry.js';
import { countryName } from '../../cells/countries.js';
import type { Directory } from '../../cells/directory.js';
import { DomainError } from '../../errors/catalogue.js';
import { listConsents, listTransferRecords } from '../transfers/consent.service.js';
import { privacyCategories } from '../transfers/transfer.terms.js';
import type { TransfersContext } from '../transfers/transfers.context.js';
import type { AccessHistory } from './access-history.js';
import { buildDisclosure, type Disclosure } from './disclosure.js';
import { foreignHandlingStatement, monthsBefore, type ForeignHandlingReport } from './foreign-handling.js';
import { heldAbout, placementFacts, storedFacts, transferFacts, type StoredFact } from './report.readers.js';
import type { Regime } from '../transfers/registry.js';
import { buildAccessReport, inScope, notifyList, type AccessReport, type NotifiedSubject, type ReportCheckpoint } from './access-report.js';
import { buildIncidentReport, type IncidentReport, type ReportStage } from './incident-report.js';
import type { AccessScope, Incident } from './incidents.js';
import { verifiedEntriesOf } from './verified-log.js';

/** Access-log entries listed in one disclosure; older ones are counted as truncated. */
export const disclosureAccessLimit = 500;

export async function gatherDisclosure(props: {
  cells: CellRegistry;
  directory: Directory;
  transfers: TransfersContext;
  accessHistory: AccessHistory;
  subjectId: string;
  at?: Date;
}): Promise<Disclosure> {
  const subject = await props.directory.find(props.subjectId);
  if (subject === null) throw new DomainError('NOT_FOUND', `no subject "${props.subjectId}"`);
  const [held, consents, transfers, accesses] = await Promise.all([
    heldAbout(props.cells, subject.id, subject.home),
    listConsents({ ctx: props.transfers, subject }),
    listTransferRecords({ ctx: props.transfers, subject }),
    props.accessHistory.accessesOfSubject({ home: subject.home, subjectId: subject.id, limit: disclosureAccessLimit + 1 }),
  ]);
  return buildDisclosure({
    at: props.at ?? props.transfers.now(),
    subject: { id: subject.id, kind: subject.kind, home: subject.home, class: subject.class },
    countryName,
    held,
    consents: consents.consents,
    consentHistory: consents.history,
    transfers,
    accesses: accesses.slice(0, disclosureAccessLimit),
    accessesTruncated: accesses.length > disclosureAccessLimit,
  });
}

/** How far back a foreign-handling statement may look: records of provision are kept 3 years (APPI). */
export const foreignHandlingMaxYears = 3;

/**
 * The start of a requested statement window: a real calendar day (UTC), at most
 * `foreignHandlingMaxYears` before `at` and before `at`'s own day. Bounding the windows bounds
 * the statements a public route can be made to compute.
 */
export function foreignHandlingSince(day: string, at: Date): Date {
  const since = new Date(`${day}T00:00:00.000Z`);
  if (Number.isNaN(since.getTime()) || since.toISOString().slice(0, 10) !== day) {
    throw new DomainError('VALIDATION_FAILED', 'since must be a real calendar date, YYYY-MM-DD');
  }
  const today = at.toISOString().slice(0, 10);
  const earliest = new Date(`${today}T00:00:00.000Z`);
  earliest.setUTCFullYear(earliest.getUTCFullYear() - foreignHandlingMaxYears);
  if (since < earliest || day >= today) {
    throw new DomainError('VALIDATION_FAILED', `since must be a day from ${earliest.toISOString().slice(0, 10)} up to yesterday (statements cover at most ${foreignHandlingMaxYears} years)`);
  }
  return since;
}

export async function gatherForeignHandling(props: {
  cells: CellRegistry;
  accessHistory: AccessHistory;
  /** Data categories the services write (the placement rules' own are added). */
  knownCategories: readonly string[];
  at: Date;
  /** Window of accesses and transfers counted; 12 months by default. */
  since?: Date;
  /** Rows stored per home, category and cell, when the caller already counted them (they do not depend on the window). */
  stored?: Promise<StoredFact[]>;
}): Promise<ForeignHandlingReport> {
  const since = props.since ?? monthsBefore(props.at, 12);
  if (!(since.getTime() < props.at.getTime())) throw new DomainError('VALIDATION_FAILED', 'the window must start before it ends');
  const homes = props.cells.jurisdictions();
  const categories = [...props.knownCategories, privacyCategories.consent, privacyCategories.transferRecord];
  const [stored, transfers, accesses] = await Promise.all([
    props.stored ?? storedFacts(props.cells),
    transferFacts(props.cells, since),
    Promise.all(homes.map((home) => props.accessHistory.accessesAbout({ home, since, until: props.at }))),
  ]);
  return foreignHandlingStatement({
    at: props.at,
    since,
    homes,
    countryName,
    placement: placementFacts(props.cells, categories),
    stored,
    accesses: accesses.flat().map((a) => a.entry),
    transfers,
  });
}

/** The access report of a scope, from the verified log of the scope's home only. */
export async function gatherAccessReport(props: { cells: CellRegistry; scope: AccessScope; verifierKey?: string | undefined; at: Date }): Promise<AccessReport> {
  const { scope } = props;
  const verified = await verifiedEntriesOf({ cells: props.cells, home: scope.home, verifierKey: props.verifierKey, keep: (e) => inScope(e, scope) });
  return buildAccessReport({ entries: verified.entries, scope, checkpoint: [verified.checkpoint], at: props.at });
}

export async function gatherIncidentReport(props: {
  cells: CellRegistry;
  incident: Incident;
  regime: Regime | undefined;
  stage: ReportStage;
  verifierKey?: string | undefined;
  at: Date;
}): Promise<IncidentReport> {
  const report = await gatherAccessReport({ cells: props.cells, scope: props.incident.scope, verifierKey: props.verifierKey, at: props.at });
  return buildIncidentReport({ report, incident: props.incident, regime: props.regime, stage: props.stage, now: props.at });
}

/** The people to notify about an incident, from the verified log of its home. */
export async function gatherNotifyList(props: { cells: CellRegistry; incident: Incident; verifierKey?: string | undefined }): Promise<{ checkpoint: ReportCheckpoint; subjects: NotifiedSubject[] }> {
  const { scope } = props.incident;
  const verified = await verifiedEntriesOf({ cells: props.cells, home: scope.home, verifierKey: props.verifierKey, keep: (e) => inScope(e, scope) });
  return { checkpoint: verified.checkpoint, subjects: notifyList(verified.entries, scope) };
}
