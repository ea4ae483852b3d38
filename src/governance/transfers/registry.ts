// The jurisdictions and recipients registries: their types, loading and checking (schema plus
// cross-references), and the lookups the notice validator and the transfer gate rely on.

import { covers } from '../../cells/categories.js';
import { repoPath, readJsonFile, schemaCheck, schemasFingerprint } from './repo-files.js';
import { NO_VERDICT_CACHE, verdictKey, type VerdictCache } from '../verdicts/verdict.cache.js';
import { RegistryError, RepoFileError } from './transfers.errors.js';

export type TransferBasisKind = 'approved-destination' | 'conforming-system' | 'consent';

export interface RegimeSource {
  readonly title: string;
  readonly publisher: string;
  readonly url?: string;
  readonly date: string;
}

/** What a notice must tell a person about a country's protection system (APPI Rule 17). */
export interface RegimeInfo {
  /** Bumped whenever the description changes; notices showing an older version are refused. */
  readonly version: number;
  readonly asOf: string;
  readonly isSummary: true;
  readonly summary: string;
  readonly indicators: {
    readonly generalLaw: boolean;
    readonly independentAuthority: boolean;
    readonly euAdequacy: string;
    readonly cbpr: boolean;
  };
  readonly gapsAgainstOecdPrinciples: readonly string[];
  readonly systemsAffectingRights: readonly string[];
  readonly sources: readonly RegimeSource[];
}

export interface TransferRule {
  /** Bases this regime accepts, in the order the gate tries them. */
  readonly acceptedBases: readonly TransferBasisKind[];
  /** Consent counts only when given separately from other consents (PIPA, PIPL). */
  readonly consentMustBeSeparate: boolean;
  /** Consent is needed on top of the other basis (PIPL Art. 39). */
  readonly consentAlsoRequired: boolean;
  readonly approvedDestinations: readonly string[];
  /** Destinations approved only for some recipients; never applied automatically. */
  readonly conditionalDestinations: readonly { readonly country: string; readonly condition: string }[];
  readonly approvedListSource: string;
  readonly remoteViewingIsTransfer: boolean;
  readonly remoteViewingNote: string;
  readonly consentInformation: readonly string[];
  readonly recordsRetention: string | null;
}

export type BreachDeadline =
  | { readonly kind: 'hours'; readonly hours: number }
  | { readonly kind: 'days'; readonly days: number }
  | { readonly kind: 'promptly'; readonly guidanceDays?: { readonly min: number; readonly max: number } }
  | { readonly kind: 'immediately' | 'without-undue-delay' };

export interface BreachRule {
  readonly id: string;
  readonly to: 'regulator' | 'telecom-regulator' | 'subjects';
  readonly authority?: string;
  readonly stage: 'preliminary' | 'final' | 'notification';
  readonly deadline: BreachDeadline;
  readonly from: string;
  readonly when: string;
  readonly source: string;
}

export interface RegimeData {
  readonly name: string;
  readonly authority: string;
  readonly info: RegimeInfo;
  readonly transfer: TransferRule;
  readonly breachReporting: readonly BreachRule[];
  readonly breachNote?: string;
}

export interface Regime extends RegimeData {
  readonly id: string;
}

export interface JurisdictionData {
  readonly name: string;
  readonly regime: string | null;
  readonly groups: readonly ('EU' | 'EEA')[];
  readonly note?: string;
}

export interface Jurisdiction extends JurisdictionData {
  readonly code: string;
}

export interface JurisdictionsFile {
  readonly version: number;
  readonly updated: string;
  readonly note?: string;
  readonly regimes: Readonly<Record<string, RegimeData>>;
  readonly jurisdictions: Readonly<Record<string, JurisdictionData>>;
}

export interface ConformingSystem {
  readonly contractOnFile: boolean;
  readonly method?: 'contract' | 'internal-rules' | 'cbpr-certification';
  readonly standard?: string;
  readonly contractRef?: string;
  readonly contractDate?: string;
  /** Home jurisdictions whose data the contract covers (it was written to their standard). */
  readonly coversHomes?: readonly string[];
  /**
   * What the contract lets the recipient do: operations on categories (a parent covers its
   * children). A use outside every entry has no conforming-system basis; without the list, none has.
   */
  readonly covers?: readonly ContractUse[];
  readonly periodicCheck?: {
    readonly intervalMonths: number;
    readonly lastDone?: string;
    readonly lastResult?: string;
    readonly nextDue: string;
  };
}

/** `store`: hold the data at rest (a cell host, object storage); `read`: the recipient's staff view it. */
export type TransferOperation = 'store' | 'read';

export interface ContractUse {
  readonly operations: readonly TransferOperation[];
  readonly categories: readonly string[];
  readonly note?: string;
}

export interface Recipient {
  readonly id: string;
  readonly name: string;
  readonly country: string;
  readonly kind: 'operator' | 'subsidiary' | 'affiliate' | 'contractor' | 'cloud-provider' | 'payment-provider';
  readonly tier: 'own' | 'group' | 'contractor' | 'subcontractor';
  readonly role: string;
  /** Countries where the recipient handles the data (its servers or staff). */
  readonly handlingCountries: readonly string[];
  readonly contact: { readonly email: string; readonly url?: string };
  readonly measures: { readonly version: number; readonly updated: string; readonly summary: string } | null;
  readonly conformingSystem: ConformingSystem | null;
  /** Set when the business stopped relying on the recipient's measures (APPI Rule 18). */
  readonly suspended: { readonly since: string; readonly reason: string } | null;
}

export interface RecipientsFile {
  readonly version: number;
  readonly updated: string;
  readonly note?: string;
  readonly recipients: readonly Recipient[];
  /**
   * Who runs the infrastructure of Domicile's cells in each country (country → recipient id):
   * data written into a cell located there is received by that recipient.
   */
  readonly cellHosts?: Readonly<Record<string, string>>;
}

export type ConformingSystemStatus =
  | { readonly valid: true; readonly ref: string; readonly nextCheckDue: string }
  | {
      readonly valid: false;
      readonly reason: 'no-contract' | 'contract-not-yet-signed' | 'check-overdue' | 'suspended' | 'home-not-covered' | 'use-not-covered';
      readonly message: string;
    };

export interface Registries {
  readonly jurisdictionsFile: JurisdictionsFile;
  readonly recipientsFile: RecipientsFile;
  jurisdiction(code: string): Jurisdiction | undefined;
  /** The regime of a country, or undefined when the country or its regime is not described. */
  regimeOf(code: string): Regime | undefined;
  /** True only for a different, known country on the home regime's approved list. */
  isApprovedDestination(home: string, destination: string): boolean;
  recipient(id: string): Recipient | undefined;
  /** The recipient running Domicile's cells in `country`, or undefined when none is registered. */
  cellHost(country: string): Recipient | undefined;
  conformingSystemValid(recipient: Recipient, at: Date, home?: string): boolean;
}

const DAY_MS = 86_400_000;

/** Midnight UTC at the start of a `YYYY-MM-DD` day; registry dates are calendar days in UTC. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

function recipientLabel(recipient: Recipient): string {
  return `${recipient.name} (${recipient.id})`;
}

/**
 * Whether the recipient's conforming system can serve as a transfer basis at `at`. A check due
 * on a day is still in time during that whole day (UTC); from the next day it is overdue.
 */
export function conformingSystemStatus(recipient: Recipient, at: Date, home?: string, use?: { operation: TransferOperation; category: string }): ConformingSystemStatus {
  const system = recipient.conformingSystem;
  const who = recipientLabel(recipient);
  if (recipient.suspended !== null) {
    return {
      valid: false,
      reason: 'suspended',
      message: `the conforming-system basis of ${who} is suspended since ${recipient.suspended.since}: ${recipient.suspended.reason}`,
    };
  }
  if (system === null || !system.contractOnFile || system.contractRef === undefined || system.contractDate === undefined || system.periodicCheck === undefined) {
    return { valid: false, reason: 'no-contract', message: `${who} has no conforming-system contract on file` };
  }
  const now = at.getTime();
  if (Number.isNaN(now) || now < dayStart(system.contractDate)) {
    return {
      valid: false,
      reason: 'contract-not-yet-signed',
      message: `the conforming-system contract ${system.contractRef} of ${who} dates from ${system.contractDate}, after the time of the transfer`,
    };
  }
  const due = system.periodicCheck.nextDue;
  if (now >= dayStart(due) + DAY_MS) {
    return {
      valid: false,
      reason: 'check-overdue',
      message: `the periodic check of ${who} was due on ${due} and is overdue; its conforming-system basis is suspended until the check is done and recorded`,
    };
  }
  if (home !== undefined && !(system.coversHomes ?? []).includes(home)) {
    return {
      valid: false,
      reason: 'home-not-covered',
      message: `the conforming-system contract ${system.contractRef} of ${who} covers data of ${(system.coversHomes ?? []).join(', ') || 'no'} home jurisdictions, not ${home}`,
    };
  }
  if (use !== undefined && !(system.covers ?? []).some((c) => c.operations.includes(use.operation) && c.categories.some((p) => covers(p, use.category)))) {
    const allowed = (system.covers ?? []).map((c) => `${c.operations.join('/')} ${c.categories.join(', ')}`).join('; ') || 'nothing';
    return {
      valid: false,
      reason: 'use-not-covered',
      message: `the conforming-system contract ${system.contractRef} of ${who} covers ${allowed}, not ${use.operation} of ${use.category}`,
    };
  }
  return { valid: true, ref: system.contractRef, nextCheckDue: due };
}

export function conformingSystemValid(recipient: Recipient, at: Date, home?: string): boolean {
  return conformingSystemStatus(recipient, at, home).valid;
}

// Cross-references no JSON Schema can express: every code named must be a known jurisdiction,
// every regime referenced must exist, ids must be unique.
function crossCheck(jurisdictions: JurisdictionsFile, recipients: RecipientsFile): string[] {
  const problems: string[] = [];
  const known = (code: string): boolean => Object.hasOwn(jurisdictions.jurisdictions, code);
  for (const [code, entry] of Object.entries(jurisdictions.jurisdictions)) {
    if (entry.regime !== null && !Object.hasOwn(jurisdictions.regimes, entry.regime)) {
      problems.push(`jurisdictions.json: ${code} refers to regime "${entry.regime}", which is not defined under "regimes"`);
    }
  }
  for (const [id, regime] of Object.entries(jurisdictions.regimes)) {
    for (const code of regime.transfer.approvedDestinations) {
      if (!known(code)) problems.push(`jurisdictions.json: regime ${id} approves ${code}, which is not listed under "jurisdictions"`);
    }
    for (const { country } of regime.transfer.conditionalDestinations) {
      if (!known(country)) problems.push(`jurisdictions.json: regime ${id} conditionally approves ${country}, which is not listed under "jurisdictions"`);
    }
    for (const rule of regime.breachReporting) {
      if (rule.deadline.kind === 'promptly' && rule.deadline.guidanceDays !== undefined && rule.deadline.guidanceDays.min > rule.deadline.guidanceDays.max) {
        problems.push(`jurisdictions.json: breach rule ${rule.id} has guidanceDays.min above max`);
      }
    }
  }
  const seen = new Set<string>();
  for (const recipient of recipients.recipients) {
    const where = `recipients.json: ${recipient.id}`;
    if (seen.has(recipient.id)) problems.push(`${where} appears more than once`);
    seen.add(recipient.id);
    for (const code of [recipient.country, ...recipient.handlingCountries, ...(recipient.conformingSystem?.coversHomes ?? [])]) {
      if (!known(code)) problems.push(`${where} names ${code}, which is not in jurisdictions.json`);
    }
    const check = recipient.conformingSystem?.periodicCheck;
    if (check?.lastDone !== undefined && check.lastDone > check.nextDue) {
      problems.push(`${where}: periodic check lastDone ${check.lastDone} is after nextDue ${check.nextDue}`);
    }
  }
  for (const [country, id] of Object.entries(recipients.cellHosts ?? {})) {
    const host = recipients.recipients.find((r) => r.id === id);
    if (!known(country)) problems.push(`recipients.json: cellHosts names ${country}, which is not in jurisdictions.json`);
    if (host === undefined) {
      problems.push(`recipients.json: cellHosts.${country} is "${id}", which is not a registered recipient`);
    } else if (host.country !== country && !host.handlingCountries.includes(country)) {
      problems.push(`recipients.json: cellHosts.${country} is ${id}, which does not handle data in ${country}`);
    }
  }
  return problems;
}

/** Everything the schema checks of the registries depend on: both documents, the schemas (with any they refer to) and Ajv. */
function registriesVerdictKey(input: { jurisdictions: unknown; recipients: unknown }): string {
  return verdictKey(['registries', schemasFingerprint(), JSON.stringify(input.jurisdictions), JSON.stringify(input.recipients)]);
}

/**
 * Checks both registries (schema, then cross-references) and returns the lookups over them. With
 * `verdicts`, a schema check already passed by exactly these documents is not compiled and run
 * again (Ajv's compile is ~0.5 s CPU of every process start); the cross-references always run.
 */
export function createRegistries(input: { jurisdictions: unknown; recipients: unknown }, verdicts: VerdictCache = NO_VERDICT_CACHE): Registries {
  const key = registriesVerdictKey(input);
  const passed = verdicts.read(key, (payload) => (payload === true ? true : undefined)) === true;
  const jurisdictionsCheck = passed
    ? { ok: true as const, value: input.jurisdictions as JurisdictionsFile }
    : schemaCheck<JurisdictionsFile>('jurisdictions.schema.json')(input.jurisdictions);
  const recipientsCheck = passed ? { ok: true as const, value: input.recipients as RecipientsFile } : schemaCheck<RecipientsFile>('recipients.schema.json')(input.recipients);
  const schemaProblems = [
    ...(jurisdictionsCheck.ok ? [] : jurisdictionsCheck.problems.map((p) => `jurisdictions.json${p.path}: ${p.message}`)),
    ...(recipientsCheck.ok ? [] : recipientsCheck.problems.map((p) => `recipients.json${p.path}: ${p.message}`)),
  ];
  if (!jurisdictionsCheck.ok || !recipientsCheck.ok) throw new RegistryError('REGISTRY_INVALID', schemaProblems);
  if (!passed) verdicts.write(key, true);
  const jurisdictionsFile = jurisdictionsCheck.value;
  const recipientsFile = recipientsCheck.value;
  const problems = crossCheck(jurisdictionsFile, recipientsFile);
  if (problems.length > 0) throw new RegistryError('REGISTRY_INVALID', problems);

  const jurisdictionIndex = new Map<string, Jurisdiction>(
    Object.entries(jurisdictionsFile.jurisdictions).map(([code, data]) => [code, { ...data, code }]),
  );
  const regimeIndex = new Map<string, Regime>(
    Object.entries(jurisdictionsFile.regimes).map(([id, data]) => [id, { ...data, id }]),
  );
  const recipientIndex = new Map<string, Recipient>(recipientsFile.recipients.map((r) => [r.id, r]));

  const regimeOf = (code: string): Regime | undefined => {
    const regimeId = jurisdictionIndex.get(code)?.regime;
    return regimeId === undefined || regimeId === null ? undefined : regimeIndex.get(regimeId);
  };

  return {
    jurisdictionsFile,
    recipientsFile,
    jurisdiction: (code) => jurisdictionIndex.get(code),
    regimeOf,
    isApprovedDestination: (home, destination) => {
      if (home === destination || !jurisdictionIndex.has(destination)) return false;
      const rule = regimeOf(home)?.transfer;
      return rule !== undefined && rule.acceptedBases.includes('approved-destination') && rule.approvedDestinations.includes(destination);
    },
    recipient: (id) => recipientIndex.get(id),
    cellHost: (country) => {
      const id = recipientsFile.cellHosts?.[country];
      return id === undefined ? undefined : recipientIndex.get(id);
    },
    conformingSystemValid,
  };
}

export interface RegistryFiles {
  readonly jurisdictions: string;
  readonly recipients: string;
}

export function defaultRegistryFiles(): RegistryFiles {
  return {
    jurisdictions: repoPath('registries', 'jurisdictions.json'),
    recipients: repoPath('registries', 'recipients.json'),
  };
}

/** Reads and checks the registries from disk (the repository's own files by default). */
export function loadRegistries(files: RegistryFiles = defaultRegistryFiles(), verdicts: VerdictCache = NO_VERDICT_CACHE): Registries {
  const read = (file: string): unknown => {
    try {
      return readJsonFile(file);
    } catch (err) {
      if (err instanceof RepoFileError) throw new RegistryError('REGISTRY_UNREADABLE', [err.message]);
      throw err;
    }
  };
  return createRegistries({ jurisdictions: read(files.jurisdictions), recipients: read(files.recipients) }, verdicts);
}
