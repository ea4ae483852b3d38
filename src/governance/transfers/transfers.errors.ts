// Domain errors of cross-border transfers: registries, notices, consent receipts and the legal
// basis. Each carries a stable code; mapping to HTTP statuses or CLI exit codes happens at the edge.

/** A data file of the repository (registry, schema, notice) that could not be read or parsed. */
export type RepoFileErrorCode = 'FILE_UNREADABLE' | 'FILE_NOT_JSON';

export class RepoFileError extends Error {
  override readonly name = 'RepoFileError';
  readonly code: RepoFileErrorCode;
  readonly file: string;

  constructor(code: RepoFileErrorCode, file: string, message: string) {
    super(message);
    this.code = code;
    this.file = file;
  }
}

export type RegistryErrorCode = 'REGISTRY_UNREADABLE' | 'REGISTRY_INVALID';

/** The jurisdictions or recipients registry is missing, not JSON, or breaks its schema or rules. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly code: RegistryErrorCode;
  readonly problems: readonly string[];

  constructor(code: RegistryErrorCode, problems: readonly string[]) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(`${code}: ${problems[0] ?? 'unknown problem'}${more}`);
    this.code = code;
    this.problems = problems;
  }
}

export const NOTICE_PROBLEM_CODES = [
  // The notice names no concrete destination country (no destinations, an empty list, or a
  // country field that is not a country code).
  'NOTICE_NO_COUNTRY',
  // Wording such as "third countries" or "overseas" stands where a country must be named.
  'NOTICE_VAGUE_DESTINATION',
  // A "country not yet known" notice without its reason or candidate countries.
  'NOTICE_COUNTRY_UNKNOWN_INCOMPLETE',
  // A country code the jurisdictions registry does not know.
  'NOTICE_UNKNOWN_COUNTRY',
  // A destination in the home jurisdiction: that is not a transfer.
  'NOTICE_NOT_A_TRANSFER',
  'NOTICE_DUPLICATE_DESTINATION',
  // The registry has no description of the country's regime, so no notice can describe it.
  'NOTICE_REGIME_NOT_DESCRIBED',
  'NOTICE_REGIME_INFO_MISSING',
  // The regime information names another regime, or a version the registry does not have.
  'NOTICE_REGIME_MISMATCH',
  'NOTICE_REGIME_INFO_OUTDATED',
  'NOTICE_RECIPIENT_MISSING',
  'NOTICE_UNKNOWN_RECIPIENT',
  // The recipient's name, or the country where it handles data, disagrees with the registry.
  'NOTICE_RECIPIENT_MISMATCH',
  'NOTICE_MEASURES_MISSING',
  'NOTICE_MEASURES_OUTDATED',
  // Data is stored in a country the notice does not disclose as a destination or jurisdiction.
  'NOTICE_STORAGE_NOT_DISCLOSED',
  // The stated basis does not hold for a destination (e.g. "approved-destination" for KR).
  'NOTICE_BASIS_MISMATCH',
  // An ISO/IEC 29184 element or another required field is absent.
  'NOTICE_ELEMENT_MISSING',
  // A field is present but has the wrong type or form.
  'NOTICE_FIELD_INVALID',
  // A field the notice format does not define (often a misspelling).
  'NOTICE_UNKNOWN_FIELD',
] as const;

export type NoticeProblemCode = (typeof NOTICE_PROBLEM_CODES)[number];

export interface NoticeProblem {
  /** JSON Pointer (RFC 6901) into the notice; "" is the notice itself. */
  readonly path: string;
  readonly code: NoticeProblemCode;
  readonly message: string;
}

export type ConsentErrorCode =
  // The receipt does not match the consent receipt schema.
  | 'CONSENT_RECEIPT_INVALID'
  // Consent cannot be recorded against a notice that is not yet in effect.
  | 'CONSENT_NOTICE_NOT_IN_EFFECT'
  // The notice is for subjects of another home jurisdiction.
  | 'CONSENT_WRONG_HOME'
  // Missing subject or receipt id.
  | 'CONSENT_INPUT_INVALID';

export interface ConsentProblem {
  readonly path: string;
  readonly message: string;
}

export class ConsentError extends Error {
  override readonly name = 'ConsentError';
  readonly code: ConsentErrorCode;
  readonly problems: readonly ConsentProblem[];

  constructor(code: ConsentErrorCode, message: string, problems: readonly ConsentProblem[] = []) {
    super(message);
    this.code = code;
    this.problems = problems;
  }
}
