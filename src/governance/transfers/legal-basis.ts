// The legal basis for one subject's transfer abroad: approved destination, a recipient with a
// conforming system, or consent after a notice that named the country — or, failing all, the
// list of what is missing. Pure: the registries and the consent history are passed in.

import { consentStandings, type ConsentEvent } from './consent.history.js';
import type { ConsentReceipt } from './consent.receipt.js';
import { conformingSystemStatus, type Recipient, type Registries, type TransferBasisKind, type TransferOperation, type TransferRule } from './registry.js';

export interface FindBasisInput {
  /** The subject's home jurisdiction, whose regime governs the transfer. */
  readonly home: string;
  /** Where the data goes or is viewed from. */
  readonly destination: string;
  /** Recipient id in the recipients registry. */
  readonly recipient: string;
  /** The subject's consent history (given and withdrawn events). */
  readonly consents: readonly ConsentEvent[];
  readonly at: Date;
  readonly registries: Registries;
  /** When set, events of other subjects in `consents` are ignored. */
  readonly subjectId?: string;
  /** When set, only consent to a notice with this purpose code counts. */
  readonly purpose?: string;
  /** When set, a conforming-system basis counts only if the contract covers this use. */
  readonly use?: { readonly operation: TransferOperation; readonly category: string };
}

export interface BasisFound {
  readonly basis: TransferBasisKind;
  /** What to record as the basis: the registry entry, contract or consent receipt relied on. */
  readonly ref: string;
  /** The consent receipt also relied on, where the regime needs consent besides the basis. */
  readonly consentRef?: string;
}

/** Home and destination are the same jurisdiction: no transfer, no basis needed. */
export interface NotATransfer {
  readonly basis: 'not-a-transfer';
  readonly ref: string;
}

export interface BasisMissing {
  readonly missing: readonly string[];
}

export type BasisResult = BasisFound | NotATransfer | BasisMissing;

export function isBasisMissing(result: BasisResult): result is BasisMissing {
  return 'missing' in result;
}

type Attempt = { found: true; ref: string } | { found: false; missing: string };

function approvedDestination(input: FindBasisInput, rule: TransferRule): Attempt {
  const { home, destination, registries } = input;
  if (registries.isApprovedDestination(home, destination)) {
    return { found: true, ref: `jurisdictions.json v${registries.jurisdictionsFile.version}: ${destination} on the approved list of ${registries.regimeOf(home)?.id ?? home}` };
  }
  const conditional = rule.conditionalDestinations.find((c) => c.country === destination);
  const detail = conditional === undefined ? '' : ` (it is approved only conditionally — ${conditional.condition} — which Domicile does not apply automatically)`;
  return { found: false, missing: `approved destination: ${destination} is not on ${home}'s list of approved destinations${detail}` };
}

function conformingSystem(input: FindBasisInput, recipient: Recipient): Attempt {
  const status = conformingSystemStatus(recipient, input.at, input.home, input.use);
  if (status.valid) return { found: true, ref: `${recipient.id} contract ${status.ref} (periodic check due ${status.nextCheckDue})` };
  return { found: false, missing: `conforming system: ${status.message}` };
}

function consent(input: FindBasisInput, rule: TransferRule, recipient: Recipient): Attempt {
  const { destination, home } = input;
  const standings = consentStandings(input.consents, input.at, input.subjectId);
  const reasons: string[] = [];
  const relevant = (receipt: ConsentReceipt): boolean =>
    receipt.jurisdiction === home && (input.purpose === undefined || receipt.purposeCode === input.purpose);
  // A consent counts only for the countries and recipients its notice named.
  const covers = (receipt: ConsentReceipt): boolean =>
    relevant(receipt) &&
    receipt.destinationCountries.includes(destination) &&
    receipt.recipientMeasures.some((m) => m.recipientId === recipient.id && m.country === destination);
  for (const standing of standings) {
    if (standing.status === 'unreadable') {
      reasons.push(`the consent history of notice ${standing.noticeId} has an event with an unreadable time`);
      continue;
    }
    if (standing.status === 'withdrawn') {
      if (standing.withdrawnReceipt !== undefined && covers(standing.withdrawnReceipt)) {
        reasons.push(`consent ${standing.withdrawnReceipt.consentReceiptID} under notice ${standing.noticeId} was withdrawn at ${standing.since}`);
      }
      continue;
    }
    const receipt = standing.receipt;
    if (!covers(receipt)) {
      if (relevant(receipt) && receipt.candidateCountries?.includes(destination)) {
        reasons.push(`consent ${receipt.consentReceiptID} was given when the country was not yet known (${destination} was only a candidate); show a notice naming ${destination} and ${recipient.name} and ask again`);
      }
      continue;
    }
    if (rule.consentMustBeSeparate && !receipt.separateConsent) {
      reasons.push(`consent ${receipt.consentReceiptID} was not given separately, which ${home}'s regime requires for transfers abroad`);
      continue;
    }
    return { found: true, ref: receipt.consentReceiptID };
  }
  const purpose = input.purpose === undefined ? '' : ` for purpose ${input.purpose}`;
  const base = `consent: the subject has no standing consent${purpose} to a notice that named ${destination} and ${recipient.name}`;
  return { found: false, missing: reasons.length === 0 ? base : `${base} (${reasons.join('; ')})` };
}

/**
 * Finds the basis on which this subject's data may go to `destination` for `recipient` at `at`,
 * trying the bases the home regime accepts in its order. Unknown countries, unknown recipients
 * and recipients that do not handle data in the destination are refused (fail closed).
 */
export function findBasis(input: FindBasisInput): BasisResult {
  const { home, destination, registries } = input;
  if (registries.jurisdiction(home) === undefined) {
    return { missing: [`home jurisdiction ${home} is not in the jurisdictions registry`] };
  }
  if (home === destination) return { basis: 'not-a-transfer', ref: `${home} → ${destination}` };
  const regime = registries.regimeOf(home);
  if (regime === undefined) return { missing: [`the jurisdictions registry describes no regime for ${home}, so no transfer basis can be established`] };
  if (registries.jurisdiction(destination) === undefined) {
    return { missing: [`destination ${destination} is not in the jurisdictions registry; add it (with its regime) before transferring there`] };
  }
  const recipient = registries.recipient(input.recipient);
  if (recipient === undefined) {
    return { missing: [`recipient ${input.recipient} is not in the recipients registry; register it before transferring data to it`] };
  }
  if (recipient.country !== destination && !recipient.handlingCountries.includes(destination)) {
    return { missing: [`${recipient.name} does not handle data in ${destination} according to the recipients registry`] };
  }

  const rule = regime.transfer;
  const missing: string[] = [];
  let consentAttempt: Attempt | undefined;
  const consentFor = (): Attempt => (consentAttempt ??= consent(input, rule, recipient));

  for (const kind of rule.acceptedBases) {
    const attempt =
      kind === 'approved-destination' ? approvedDestination(input, rule) :
      kind === 'conforming-system' ? conformingSystem(input, recipient) :
      consentFor();
    if (!attempt.found) {
      missing.push(attempt.missing);
      continue;
    }
    if (rule.consentAlsoRequired && kind !== 'consent') {
      const extra = consentFor();
      if (!extra.found) {
        missing.push(`${extra.missing} — ${regime.id} requires separate consent in addition to the ${kind} basis`);
        continue;
      }
      return { basis: kind, ref: attempt.ref, consentRef: extra.ref };
    }
    return { basis: kind, ref: attempt.ref };
  }
  if (!rule.acceptedBases.includes('consent')) {
    missing.push(`consent alone is not a basis under ${regime.id}`);
  }
  return { missing };
}
