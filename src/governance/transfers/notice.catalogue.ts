// The notices this deployment can show: every file in registries/notices/ that passes the
// validator, by id and version, and the lookup of the notice that asks for consent to one
// transfer. Refused files are kept aside with their problems and are never shown.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { covers as categoryCovers } from '../../cells/categories.js';
import { dayStart, type Registries } from './registry.js';
import { validateNotice, type NoticeProblem, type ValidNotice } from './notice.validator.js';
import { readJsonFile, repoPath } from './repo-files.js';
import { RepoFileError } from './transfers.errors.js';

export interface RefusedNotice {
  readonly source: string;
  readonly problems: readonly NoticeProblem[];
}

export interface NoticeCover {
  readonly home: string;
  readonly destination: string;
  readonly recipient: string;
  readonly purpose: string;
  readonly category: string;
  readonly at: Date;
}

export interface NoticeCatalogue {
  /** The latest version of every valid notice, by id. */
  all(): readonly ValidNotice[];
  refused(): readonly RefusedNotice[];
  /** The latest version of a notice, whether or not it is in effect yet. */
  latest(noticeId: string): ValidNotice | undefined;
  /** Every valid version of a notice, newest first. */
  versions(noticeId: string): readonly ValidNotice[];
  /** The highest version of a notice in effect at `at`. */
  current(noticeId: string, at: Date): ValidNotice | undefined;
  /**
   * The notice in effect at `cover.at` that tells a person of `home` about exactly this
   * transfer: the destination country with that recipient, the purpose and the data category.
   */
  covering(cover: NoticeCover): ValidNotice | undefined;
}

export function inEffect(notice: ValidNotice, at: Date): boolean {
  return at.getTime() >= dayStart(notice.effectiveFrom);
}

function covers(notice: ValidNotice, cover: NoticeCover): boolean {
  return (
    notice.homeJurisdiction === cover.home &&
    notice.purpose.code === cover.purpose &&
    notice.dataCollected.some((d) => categoryCovers(d.category, cover.category)) &&
    (notice.transfers.destinations ?? []).some((d) => d.country === cover.destination && d.recipients.some((r) => r.id === cover.recipient))
  );
}

/** A catalogue over notice documents (already parsed JSON), each checked against the registries. */
export function createNoticeCatalogue(documents: readonly { source: string; json: unknown }[], registries: Registries): NoticeCatalogue {
  const versions = new Map<string, ValidNotice[]>();
  const refused: RefusedNotice[] = [];
  for (const { source, json } of documents) {
    const result = validateNotice(json, registries);
    if (!result.ok) {
      refused.push({ source, problems: result.problems });
      continue;
    }
    const list = versions.get(result.notice.noticeId) ?? [];
    // Two files claiming the same id and version cannot both be what people were shown.
    if (list.some((n) => n.version === result.notice.version)) {
      refused.push({ source, problems: [{ path: '/version', code: 'NOTICE_FIELD_INVALID', message: `another file already holds notice ${result.notice.noticeId} v${result.notice.version}; raise the version` }] });
      continue;
    }
    list.push(result.notice);
    list.sort((a, b) => b.version - a.version);
    versions.set(result.notice.noticeId, list);
  }
  const current = (noticeId: string, at: Date): ValidNotice | undefined => versions.get(noticeId)?.find((n) => inEffect(n, at));
  return {
    all: () => [...versions.values()].map((list) => list[0] as ValidNotice).sort((a, b) => a.noticeId.localeCompare(b.noticeId)),
    refused: () => refused,
    latest: (noticeId) => versions.get(noticeId)?.[0],
    versions: (noticeId) => versions.get(noticeId) ?? [],
    current,
    covering(cover) {
      for (const noticeId of [...versions.keys()].sort()) {
        const notice = current(noticeId, cover.at);
        if (notice !== undefined && covers(notice, cover)) return notice;
      }
      return undefined;
    },
  };
}

export function defaultNoticeDir(): string {
  return repoPath('registries', 'notices');
}

/** Reads every `*.json` in the notices folder; unreadable files are refused, not fatal. */
export function loadNoticeCatalogue(registries: Registries, dir: string = defaultNoticeDir()): NoticeCatalogue {
  const documents: { source: string; json: unknown }[] = [];
  const refusedFiles: RefusedNotice[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const file = join(dir, name);
    try {
      documents.push({ source: name, json: readJsonFile(file) });
    } catch (err) {
      if (!(err instanceof RepoFileError)) throw err;
      refusedFiles.push({ source: name, problems: [{ path: '', code: 'NOTICE_FIELD_INVALID', message: err.message }] });
    }
  }
  const catalogue = createNoticeCatalogue(documents, registries);
  return { ...catalogue, refused: () => [...refusedFiles, ...catalogue.refused()] };
}
