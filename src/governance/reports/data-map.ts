// The data map of the governance console (issue 11): what each cell holds — its jurisdiction,
// records per data category and blob files with their bytes, from the residency scan — and from
// which countries each home's data was accessed over the last 12 months, from the access logs.
// Counts and codes only: no subject, no row id (the scan's violations are counted, not listed).
// Kept for 30 s (cachedDataMap): the page says when the scan ran.
import type { CellRegistry } from '../../cells/cell.registry.js';
import { countryName } from '../../cells/countries.js';
import { scanResidency } from '../../cells/residency.scan.js';
import type { AccessHistory } from './access-history.js';
import { released } from './access-report.js';

export interface DataMapCell {
  readonly id: string;
  readonly jurisdiction: string;
  readonly countryName: string;
  readonly rows: number;
  readonly blobs: number;
  readonly blobBytes: number;
  readonly categories: readonly { readonly category: string; readonly records: number }[];
  /** Rows or blobs the residency scan found out of place (listed by `domicile report residency`). */
  readonly violations: number;
}

export interface DataMapAccess {
  readonly home: string;
  readonly category: string;
  /** Released entries by the country the actor was in ('unknown' when not observed). */
  readonly countries: readonly { readonly country: string; readonly entries: number }[];
}

export interface DataMap {
  readonly generatedAt: string;
  readonly scannedAt: string;
  readonly cells: readonly DataMapCell[];
  readonly accessWindow: { readonly since: string; readonly until: string };
  readonly accesses: readonly DataMapAccess[];
}

const UNKNOWN = 'unknown';

export async function gatherDataMap(props: { cells: CellRegistry; accessHistory: AccessHistory; at: Date }): Promise<DataMap> {
  const scan = await scanResidency({ cells: props.cells });
  const until = props.at;
  const since = new Date(until);
  since.setUTCFullYear(since.getUTCFullYear() - 1);
  const accesses: DataMapAccess[] = [];
  for (const home of [...props.cells.jurisdictions()].sort()) {
    const byCategory = new Map<string, Map<string, number>>();
    for (const { entry } of await props.accessHistory.accessesAbout({ home, since, until })) {
      if (!released(entry)) continue;
      const country = entry.actorPhysicalCountry ?? UNKNOWN;
      for (const category of entry.categories) {
        const counts = byCategory.get(category) ?? new Map<string, number>();
        counts.set(country, (counts.get(country) ?? 0) + 1);
        byCategory.set(category, counts);
      }
    }
    for (const [category, counts] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) {
      accesses.push({ home, category, countries: [...counts].map(([country, entries]) => ({ country, entries })).sort((a, b) => b.entries - a.entries || a.country.localeCompare(b.country)) });
    }
  }
  return {
    generatedAt: props.at.toISOString(),
    scannedAt: scan.at,
    cells: scan.cells.map((c) => ({
      id: c.id,
      jurisdiction: c.jurisdiction,
      countryName: countryName(c.jurisdiction),
      rows: c.rows,
      blobs: c.blobs,
      blobBytes: c.blobBytes,
      categories: Object.entries(c.categories)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([category, records]) => ({ category, records })),
      violations: scan.violations.filter((v) => v.cell === c.id).length,
    })),
    accessWindow: { since: since.toISOString(), until: until.toISOString() },
    accesses,
  };
}

/** How long a data map is served again: the page shows `scannedAt`, and a scan reads every row. */
export const DATA_MAP_TTL_MS = 30_000;

/**
 * The data map at most `ttlMs` old (by `now`): a full residency scan and a year of log reads cost
 * tens of ms at demo size and grow with every row, so the console does not pay them per request.
 * Concurrent requests share one gathering; a failed one is not kept.
 */
export function cachedDataMap(props: { gather: (at: Date) => Promise<DataMap>; now: () => Date; ttlMs?: number }): () => Promise<DataMap> {
  const ttl = props.ttlMs ?? DATA_MAP_TTL_MS;
  let kept: { at: number; map: Promise<DataMap> } | null = null;
  return () => {
    const at = props.now();
    if (kept === null || at.getTime() - kept.at >= ttl || at.getTime() < kept.at) {
      const map = props.gather(at);
      const entry = { at: at.getTime(), map };
      kept = entry;
      map.catch(() => {
        if (kept === entry) kept = null;
      });
    }
    return kept.map;
  };
}
