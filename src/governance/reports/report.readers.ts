// The stored facts the reports are computed from, read from every cell: how many personal-data
// rows of each category, about subjects of each home, sit in which cell; and the same about one
// subject. Only counts, codes and countries leave this module — never contents.

import type { CellRegistry } from '../../cells/cell.registry.js';
import { subjectClasses } from '../../cells/placement.js';
import { transferFlowsSince, type TransferFlow } from '../transfers/transfer.repository.js';

export interface StoredFact {
  readonly home: string;
  readonly category: string;
  readonly cell: string;
  readonly country: string;
  readonly rows: number;
}

export interface PlacementFact {
  readonly home: string;
  readonly class: string;
  readonly category: string;
  readonly cell: string;
  readonly country: string;
}

function merge(facts: StoredFact[]): StoredFact[] {
  const byKey = new Map<string, StoredFact>();
  for (const f of facts) {
    const key = `${f.home}|${f.category}|${f.cell}`;
    const seen = byKey.get(key);
    byKey.set(key, seen === undefined ? f : { ...seen, rows: seen.rows + f.rows });
  }
  return [...byKey.values()];
}

/** Personal-data rows per subject home and category in every cell (blobs count by their media rows). */
export async function storedFacts(cells: CellRegistry): Promise<StoredFact[]> {
  const facts: StoredFact[] = [];
  for (const cell of cells.all()) {
    for (const table of cells.schema.personalTables) {
      const groups = await cell.db
        .selectFrom(table)
        .select(['subject_home', 'category'])
        .select(({ fn }) => fn.countAll<number>().as('n'))
        .groupBy(['subject_home', 'category'])
        .execute();
      for (const g of groups) facts.push({ home: g.subject_home, category: g.category, cell: cell.id, country: cell.jurisdiction, rows: Number(g.n) });
    }
  }
  return merge(facts);
}

/** One subject's personal-data rows per category and cell. */
export async function heldAbout(cells: CellRegistry, subjectId: string, home: string): Promise<StoredFact[]> {
  const facts: StoredFact[] = [];
  for (const cell of cells.all()) {
    for (const table of cells.schema.personalTables) {
      const groups = await cell.db
        .selectFrom(table)
        .select('category')
        .select(({ fn }) => fn.countAll<number>().as('n'))
        .where('subject_id', '=', subjectId)
        .groupBy('category')
        .execute();
      for (const g of groups) facts.push({ home, category: g.category, cell: cell.id, country: cell.jurisdiction, rows: Number(g.n) });
    }
  }
  return merge(facts);
}

/**
 * Where the placement rules put each category of each home's own records, for every class: what
 * the rules promise even before any row exists. Categories are the known ones plus every rule's.
 */
export function placementFacts(cells: CellRegistry, knownCategories: readonly string[]): PlacementFact[] {
  const facts: PlacementFact[] = [];
  const byId = new Map(cells.all().map((c) => [c.id, c]));
  for (const home of cells.jurisdictions()) {
    const ruleCategories = cells.placement.rules.filter((r) => r.home === undefined || r.home === home).map((r) => r.category);
    const categories = [...new Set([...knownCategories, ...ruleCategories])];
    for (const cls of subjectClasses) {
      for (const category of categories) {
        const cellId = cells.placement.cellFor({ home, class: cls, category });
        const cell = cellId === null ? undefined : byId.get(cellId);
        if (cell !== undefined) facts.push({ home, class: cls, category, cell: cell.id, country: cell.jurisdiction });
      }
    }
  }
  return facts;
}

/** Items transferred abroad since `since`, from the transfer records in every cell. */
export async function transferFacts(cells: CellRegistry, since: Date): Promise<TransferFlow[]> {
  const flows: TransferFlow[] = [];
  for (const cell of cells.all()) flows.push(...(await transferFlowsSince(cell.db, since.toISOString())));
  return flows;
}
