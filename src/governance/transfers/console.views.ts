// What the governance console shows of the transfer registries (issue 11): each recipient with
// its conforming-system contract, what the contract covers, the periodic check and whether the
// basis stands today (an overdue check is flagged: the gate has already stopped relying on it);
// and every transfer notice with all its versions and what each names, plus the notice files
// the validator refused; and a notice draft checked in the page. Registry facts only, no personal data.
import { DomainError } from '../../errors/catalogue.js';
import { inEffect, type NoticeCatalogue } from './notice.catalogue.js';
import { validateNotice, type NoticeProblem, type ValidNotice } from './notice.validator.js';
import { conformingSystemStatus, type ContractUse, type Recipient, type Registries, type TransferOperation } from './registry.js';

export interface RecipientView {
  readonly id: string;
  readonly name: string;
  readonly country: string;
  readonly kind: Recipient['kind'];
  readonly tier: Recipient['tier'];
  readonly role: string;
  readonly handlingCountries: readonly string[];
  /** Countries whose Domicile cells this recipient hosts. */
  readonly hostsCells: readonly string[];
  readonly measuresVersion: number | null;
  readonly conformingSystem: {
    readonly contractOnFile: boolean;
    readonly contractRef: string | null;
    readonly contractDate: string | null;
    readonly coversHomes: readonly string[];
    readonly covers: readonly { readonly operations: readonly TransferOperation[]; readonly categories: readonly string[] }[];
    readonly periodicCheck: { readonly intervalMonths: number; readonly lastDone: string | null; readonly nextDue: string } | null;
  } | null;
  readonly suspended: { readonly since: string; readonly reason: string } | null;
  /** Whether the conforming-system basis stands at the time asked, and why not. */
  readonly basis: { readonly valid: boolean; readonly reason: string | null; readonly message: string | null };
  readonly checkOverdue: boolean;
}

export function recipientViews(registries: Registries, at: Date): RecipientView[] {
  const hosts = Object.entries(registries.recipientsFile.cellHosts ?? {});
  return registries.recipientsFile.recipients.map((r) => {
    const system = r.conformingSystem;
    const status = conformingSystemStatus(r, at);
    return {
      id: r.id,
      name: r.name,
      country: r.country,
      kind: r.kind,
      tier: r.tier,
      role: r.role,
      handlingCountries: r.handlingCountries,
      hostsCells: hosts.filter(([, id]) => id === r.id).map(([country]) => country),
      measuresVersion: r.measures?.version ?? null,
      conformingSystem:
        system === null
          ? null
          : {
              contractOnFile: system.contractOnFile,
              contractRef: system.contractRef ?? null,
              contractDate: system.contractDate ?? null,
              coversHomes: system.coversHomes ?? [],
              covers: (system.covers ?? []).map((c: ContractUse) => ({ operations: c.operations, categories: c.categories })),
              periodicCheck: system.periodicCheck ? { intervalMonths: system.periodicCheck.intervalMonths, lastDone: system.periodicCheck.lastDone ?? null, nextDue: system.periodicCheck.nextDue } : null,
            },
      suspended: r.suspended,
      basis: status.valid ? { valid: true, reason: null, message: null } : { valid: false, reason: status.reason, message: status.message },
      checkOverdue: !status.valid && status.reason === 'check-overdue',
    };
  });
}

/** What a list of notices shows of one version: enough to know what it names, not the whole text. */
export function noticeSummary(notice: ValidNotice, at: Date) {
  return {
    noticeId: notice.noticeId,
    version: notice.version,
    language: notice.language,
    effectiveFrom: notice.effectiveFrom,
    inEffect: inEffect(notice, at),
    homeJurisdiction: notice.homeJurisdiction,
    purpose: notice.purpose,
    categories: notice.dataCollected.map((d) => d.category),
    destinations: (notice.transfers.destinations ?? []).map((d) => ({
      country: d.country,
      countryName: d.countryName,
      recipients: d.recipients.map((r) => ({ id: r.id, name: r.name })),
    })),
    candidateCountries: notice.transfers.countryUnknown?.candidateCountries.map((c) => c.country) ?? [],
    basis: notice.basis.type,
  };
}

export type NoticeSummary = ReturnType<typeof noticeSummary>;

export interface NoticeHistory {
  readonly noticeId: string;
  /** The version shown to people now (the highest in effect), or null if none is in effect yet. */
  readonly current: number | null;
  readonly versions: readonly NoticeSummary[];
}

export function noticeHistories(notices: NoticeCatalogue, at: Date): { notices: NoticeHistory[]; refused: { source: string; problems: readonly NoticeProblem[] }[] } {
  return {
    notices: notices.all().map((latest) => ({
      noticeId: latest.noticeId,
      current: notices.current(latest.noticeId, at)?.version ?? null,
      versions: notices.versions(latest.noticeId).map((v) => noticeSummary(v, at)),
    })),
    refused: notices.refused().map((r) => ({ source: r.source, problems: r.problems })),
  };
}

export interface NoticeDraftCheck {
  readonly valid: boolean;
  readonly noticeId: string | null;
  readonly version: number | null;
  readonly problems: readonly NoticeProblem[];
}

/**
 * A notice draft (the JSON text of a file for registries/notices/) checked by the validator that
 * `domicile notice validate` runs, against the registries in use; nothing is stored. Text that is
 * not JSON is bad input (the CLI's exit 2), not a refused notice.
 */
export function checkNoticeDraft(draft: string, registries: Registries): NoticeDraftCheck {
  let json: unknown;
  try {
    json = JSON.parse(draft) as unknown;
  } catch (cause) {
    throw new DomainError('VALIDATION_FAILED', `the draft is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const result = validateNotice(json, registries);
  return result.ok
    ? { valid: true, noticeId: result.notice.noticeId, version: result.notice.version, problems: [] }
    : { valid: false, noticeId: null, version: null, problems: result.problems };
}
