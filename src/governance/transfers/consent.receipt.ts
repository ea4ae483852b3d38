// Consent receipts: a Kantara Consent Receipt v1.1 built from a validated notice, extended with
// what the person was told about the transfer abroad, and its check against the JSON Schema.

import type { NoticeRecipient, PostalAddress, ValidNotice } from './notice.validator.js';
import { schemaCheck } from './repo-files.js';
import { ConsentError, type ConsentProblem } from './transfers.errors.js';

export const KANTARA_CR_VERSION = 'KI-CR-v1.1.0';
export const CONSENT_RECEIPT_SCHEMA = 'consent-receipt.schema.json';

export interface KantaraPiiController {
  readonly piiController: string;
  readonly onBehalf?: boolean;
  readonly contact: string;
  readonly address: PostalAddress;
  readonly email: string;
  readonly phone: string;
  readonly piiControllerUrl?: string;
}

export interface KantaraPurpose {
  readonly purpose: string;
  readonly purposeCategory: readonly string[];
  readonly consentType: string;
  readonly piiCategory: readonly string[];
  readonly primaryPurpose?: boolean;
  readonly termination: string;
  readonly thirdPartyDisclosure: boolean;
  readonly thirdPartyName?: string;
}

export interface RecipientMeasuresShown {
  readonly recipientId: string;
  readonly recipientName: string;
  /** Null when the notice did not yet know the country. */
  readonly country: string | null;
  readonly measuresVersion?: number;
  readonly summary?: string;
  readonly unavailableReason?: string;
}

export interface ConsentReceipt {
  // Kantara Consent Receipt v1.1.0
  readonly version: typeof KANTARA_CR_VERSION;
  readonly jurisdiction: string;
  /** Seconds since 1970-01-01T00:00:00Z, as the Kantara specification requires. */
  readonly consentTimestamp: number;
  readonly collectionMethod: string;
  readonly consentReceiptID: string;
  readonly publicKey?: string;
  readonly language?: string;
  readonly piiPrincipalId: string;
  readonly piiControllers: readonly KantaraPiiController[];
  readonly policyUrl: string;
  readonly services: readonly { readonly service: string; readonly purposes: readonly KantaraPurpose[] }[];
  readonly sensitive: boolean;
  readonly spiCat: readonly string[];
  // Domicile's extensions
  readonly noticeId: string;
  readonly noticeVersion: number;
  readonly purposeCode: string;
  readonly destinationCountries: readonly string[];
  readonly regimeInfoVersion: Readonly<Record<string, { readonly regime: string; readonly version: number }>>;
  readonly recipientMeasures: readonly RecipientMeasuresShown[];
  readonly recipientMeasuresUnavailableReason?: string;
  readonly countryUnknownReason?: string;
  readonly candidateCountries?: readonly string[];
  /** Consent asked for on its own, not bundled with other terms (PIPA, PIPL require this). */
  readonly separateConsent: boolean;
}

export interface BuildConsentReceiptInput {
  readonly notice: ValidNotice;
  readonly subject: { readonly id: string; readonly home?: string };
  readonly at: Date;
  /** The receipt id (a UUID v4 is recommended); passed in so the builder stays pure. */
  readonly id: string;
  readonly separateConsent: boolean;
  readonly collectionMethod?: string;
}

const DEFAULT_COLLECTION_METHOD = 'In-app consent screen showing the notice, with an unticked box and a separate confirm button';

function measuresShown(recipient: NoticeRecipient, country: string | null): RecipientMeasuresShown {
  const base = { recipientId: recipient.id, recipientName: recipient.name, country };
  if (recipient.measures !== undefined) return { ...base, measuresVersion: recipient.measures.version, summary: recipient.measures.summary };
  // The validator guarantees one of measures / measuresUnavailable.
  return { ...base, unavailableReason: recipient.measuresUnavailable?.reason ?? 'not described' };
}

/**
 * The receipt of one person's consent to one notice. Refuses a notice not yet in effect and a
 * subject of another home jurisdiction, since the consent would not rest on what they were shown.
 */
export function buildConsentReceipt(input: BuildConsentReceiptInput): ConsentReceipt {
  const { notice, subject, at, id } = input;
  if (subject.id.trim() === '' || id.trim() === '') {
    throw new ConsentError('CONSENT_INPUT_INVALID', 'A consent receipt needs the subject id and a receipt id.');
  }
  const time = at.getTime();
  if (Number.isNaN(time)) throw new ConsentError('CONSENT_INPUT_INVALID', 'The consent time is not a valid date.');
  if (time < Date.parse(`${notice.effectiveFrom}T00:00:00Z`)) {
    throw new ConsentError('CONSENT_NOTICE_NOT_IN_EFFECT', `Notice ${notice.noticeId} v${notice.version} takes effect on ${notice.effectiveFrom}; consent cannot be recorded against it before then.`);
  }
  if (subject.home !== undefined && subject.home !== notice.homeJurisdiction) {
    throw new ConsentError('CONSENT_WRONG_HOME', `Notice ${notice.noticeId} is for people whose home jurisdiction is ${notice.homeJurisdiction}; this subject's is ${subject.home}.`);
  }

  const destinations = notice.transfers.destinations ?? [];
  const unknown = notice.transfers.countryUnknown;
  const regimeInfoVersion: Record<string, { regime: string; version: number }> = {};
  for (const d of destinations) regimeInfoVersion[d.country] = { regime: d.regimeInfo.regime, version: d.regimeInfo.version };
  for (const c of unknown?.candidateCountries ?? []) {
    if (c.regimeInfo !== undefined) regimeInfoVersion[c.country] = { regime: c.regimeInfo.regime, version: c.regimeInfo.version };
  }
  const recipientMeasures = [
    ...destinations.flatMap((d) => d.recipients.map((r) => measuresShown(r, d.country))),
    ...(unknown?.recipients ?? []).map((r) => measuresShown(r, null)),
  ];
  const recipientNames = [...new Set(recipientMeasures.map((r) => r.recipientName))];
  const sensitiveItems = notice.dataCollected.filter((d) => d.sensitive);
  const controller = notice.controller;

  const purpose: KantaraPurpose = {
    purpose: notice.purpose.description,
    purposeCategory: notice.purpose.categories ?? [notice.purpose.code],
    consentType: 'EXPLICIT',
    piiCategory: [...new Set(notice.dataCollected.map((d) => d.category))],
    termination: `Withdraw at any time: ${notice.choices.howToWithdraw} Retention: ${notice.retention.period}`,
    thirdPartyDisclosure: true,
    thirdPartyName: recipientNames.length > 0 ? recipientNames.join(', ') : 'Not yet chosen (see countryUnknownReason)',
  };

  return {
    version: KANTARA_CR_VERSION,
    jurisdiction: notice.homeJurisdiction,
    consentTimestamp: Math.floor(time / 1000),
    collectionMethod: input.collectionMethod ?? DEFAULT_COLLECTION_METHOD,
    consentReceiptID: id,
    language: notice.language,
    piiPrincipalId: subject.id,
    piiControllers: [
      {
        piiController: controller.name,
        onBehalf: false,
        contact: controller.contact.name,
        address: controller.address,
        email: controller.contact.email,
        phone: controller.contact.phone,
        ...(controller.contact.url === undefined ? {} : { piiControllerUrl: controller.contact.url }),
      },
    ],
    policyUrl: notice.policyUrl,
    services: [{ service: notice.service, purposes: [purpose] }],
    sensitive: sensitiveItems.length > 0,
    spiCat: sensitiveItems.map((d) => d.category),
    noticeId: notice.noticeId,
    noticeVersion: notice.version,
    purposeCode: notice.purpose.code,
    destinationCountries: destinations.map((d) => d.country),
    regimeInfoVersion,
    recipientMeasures,
    ...(unknown?.measuresUnavailable === undefined ? {} : { recipientMeasuresUnavailableReason: unknown.measuresUnavailable.reason }),
    ...(unknown === undefined
      ? {}
      : { countryUnknownReason: unknown.reason, candidateCountries: unknown.candidateCountries.map((c) => c.country) }),
    separateConsent: input.separateConsent,
  };
}

export type ConsentReceiptValidation =
  | { readonly ok: true; readonly receipt: ConsentReceipt; readonly problems: readonly [] }
  | { readonly ok: false; readonly problems: readonly ConsentProblem[] };

/** Checks a receipt (e.g. one read back from storage or sent by a client) against the schema. */
export function validateConsentReceipt(json: unknown): ConsentReceiptValidation {
  const result = schemaCheck<ConsentReceipt>(CONSENT_RECEIPT_SCHEMA)(json);
  if (result.ok) return { ok: true, receipt: result.value, problems: [] };
  return { ok: false, problems: result.problems };
}

export function assertConsentReceipt(json: unknown): ConsentReceipt {
  const result = validateConsentReceipt(json);
  if (result.ok) return result.receipt;
  const first = result.problems[0];
  throw new ConsentError('CONSENT_RECEIPT_INVALID', `The consent receipt does not match ${CONSENT_RECEIPT_SCHEMA}: ${first === undefined ? '' : `${first.path || '/'} ${first.message}`}`, result.problems);
}
