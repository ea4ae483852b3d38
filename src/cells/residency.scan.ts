// The residency scan: reads every cell and checks that each personal-data row and each blob
// sits where the placement rules say, and that every row about a person from another
// jurisdiction came with a transfer on record (invariant 3: the gate writes one in the person's
// own cell before such a row). Counts per cell and category; names every violation.
import { stat } from 'node:fs/promises';
import type { BlobStore } from './blob.store.js';
import { categories } from './categories.js';
import type { Cell, CellRegistry } from './cell.registry.js';
import type { SubjectClass } from './placement.js';
import type { PersonalTable } from './cell.schema.js';

export interface ResidencyViolation {
  cell: string;
  table: PersonalTable | 'blob';
  row: string;
  subject: string | null;
  category: string | null;
  problem: string;
}

export interface ResidencyReport {
  at: string;
  /** Per cell: rows per category, and the blob files with their size on disk in bytes. */
  cells: { id: string; jurisdiction: string; rows: number; blobs: number; blobBytes: number; categories: Record<string, number> }[];
  violations: ResidencyViolation[];
}

/** Bytes on disk of one blob; 0 for one removed since the listing (a shred racing the scan) or misnamed. */
async function blobSize(blobs: BlobStore, key: string): Promise<number> {
  try {
    return (await stat(blobs.pathOf(key))).size;
  } catch {
    return 0;
  }
}

export async function scanResidency(props: { cells: CellRegistry; onProgress?: (done: number, total: number) => void }): Promise<ResidencyReport> {
  const { cells } = props;
  const { personalTables } = cells.schema;
  const report: ResidencyReport = { at: new Date().toISOString(), cells: [], violations: [] };
  const total = cells.all().length * (personalTables.length + 1);
  let done = 0;
  for (const cell of cells.all()) {
    const summary = { id: cell.id, jurisdiction: cell.jurisdiction, rows: 0, blobs: 0, blobBytes: 0, categories: {} as Record<string, number> };
    for (const table of personalTables) {
      // Group first: placement is a pure function of these columns, so only violating groups
      // need their rows read.
      const groups = await cell.db
        .selectFrom(table)
        .select(['scope_home', 'scope_class', 'category', 'cell_id'])
        .select(({ fn }) => fn.countAll<number>().as('n'))
        .groupBy(['scope_home', 'scope_class', 'category', 'cell_id'])
        .execute();
      for (const group of groups) {
        const n = Number(group.n);
        summary.rows += n;
        summary.categories[group.category] = (summary.categories[group.category] ?? 0) + n;
        const expected = cells.placement.cellFor({ home: group.scope_home, class: group.scope_class as SubjectClass, category: group.category });
        if (expected === cell.id && group.cell_id === cell.id) continue;
        const rows = await cell.db
          .selectFrom(table)
          .selectAll()
          .where('scope_home', '=', group.scope_home)
          .where('scope_class', '=', group.scope_class)
          .where('category', '=', group.category)
          .where('cell_id', '=', group.cell_id)
          .limit(1000)
          .execute();
        for (const row of rows as unknown as Record<string, unknown>[]) {
          report.violations.push({
            cell: cell.id,
            table,
            row: cells.schema.rowKey(table).map((k) => String(row[k])).join('/'),
            subject: String(row.subject_id),
            category: group.category,
            problem: `a ${group.category} row of a ${group.scope_home}/${group.scope_class} scope belongs in cell ${expected ?? '(none)'}, found in ${cell.id}`,
          });
        }
      }
      await checkForeignRows(cells, cell, table, report);
      props.onProgress?.(++done, total);
    }
    const mediaIds = new Set((await cell.db.selectFrom('media').select('id').execute()).map((r) => r.id));
    const keys = await cell.blobs.keys();
    summary.blobs = keys.length;
    for (const key of keys) {
      summary.blobBytes += await blobSize(cell.blobs, key);
      if (!mediaIds.has(key)) {
        report.violations.push({ cell: cell.id, table: 'blob', row: key, subject: null, category: null, problem: `blob ${key} has no media record in cell ${cell.id}: unknown whose data it is or why it is here` });
      }
    }
    const present = new Set(keys);
    for (const id of mediaIds) {
      if (!present.has(id)) {
        report.violations.push({ cell: cell.id, table: 'media', row: id, subject: null, category: categories.media, problem: `media record ${id} has no blob in cell ${cell.id}` });
      }
    }
    props.onProgress?.(++done, total);
    report.cells.push(summary);
  }
  return report;
}

/** The branch of a category (`user.content`, `user.financial`, …): what a transfer record must share with a row. */
function branchOf(category: string): string {
  return category.split('.').slice(0, 2).join('.');
}

// Tables whose rows are the records of transfers and consents themselves: kept with the person.
const transferTables = new Set<string>(['transfer_record', 'consent_event']);

/**
 * Rows in `cell` about people whose home is another jurisdiction: each person needs a transfer
 * record (in any cell: the gate keeps them in the person's own) to this cell's jurisdiction, in the
 * same branch of data. A row written around the gate — a membership, a receipt, a case naming a
 * foreign person without a basis — has none and is reported.
 */
async function checkForeignRows(cells: CellRegistry, cell: Cell, table: PersonalTable, report: ResidencyReport): Promise<void> {
  if (transferTables.has(table)) return;
  const rows = (await cell.db
    .selectFrom(table)
    .selectAll()
    .where('subject_home', '!=', cell.jurisdiction)
    .limit(10_000)
    .execute()) as unknown as Record<string, unknown>[];
  if (rows.length === 0) return;
  const covered = new Map<string, boolean>();
  for (const row of rows) {
    const subject = String(row.subject_id);
    const category = String(row.category);
    const key = `${subject}|${branchOf(category)}`;
    let ok = covered.get(key);
    if (ok === undefined) {
      ok = false;
      for (const c of cells.all()) {
        const found = await c.db
          .selectFrom('transfer_record')
          .select('id')
          .where('subject_id', '=', subject)
          .where('destination', '=', cell.jurisdiction)
          .where((eb) => eb.or([eb('data_category', '=', branchOf(category)), eb('data_category', 'like', `${branchOf(category)}.%`)]))
          .executeTakeFirst();
        if (found) {
          ok = true;
          break;
        }
      }
      covered.set(key, ok);
    }
    if (ok) continue;
    report.violations.push({
      cell: cell.id,
      table,
      row: cells.schema.rowKey(table).map((k) => String(row[k])).join('/'),
      subject,
      category,
      problem: `a ${category} row about ${subject} (home ${String(row.subject_home)}) sits in ${cell.jurisdiction} with no transfer to ${cell.jurisdiction} on record: written around the transfer gate`,
    });
  }
}
