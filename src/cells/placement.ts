// Placement rules: the pure function that gives every personal-data record its domicile cell.
// Rules are data (from configuration); government-class data always stays in its home cell.
import { covers } from './categories.js';

export type SubjectClass = 'consumer' | 'government' | 'business';
export const subjectClasses: readonly SubjectClass[] = ['consumer', 'government', 'business'];

export interface PlacementRule {
  /** Home jurisdiction the rule applies to; absent means every home. */
  home?: string;
  /** Subject class the rule applies to; absent means every class except government. */
  class?: SubjectClass;
  /** Data category prefix in dot form: `user.content` matches `user.content.media`. */
  category: string;
  /** Cell id the matching records live in. */
  cell: string;
}

export interface CellLocation {
  id: string;
  jurisdiction: string;
}

export interface PlacementKey {
  /** Home jurisdiction of the scope the record belongs to (the subject, or the conversation). */
  home: string;
  class: SubjectClass;
  category: string;
}

export interface Placement {
  readonly rules: readonly PlacementRule[];
  /** The version of the placement in the directory (1 = the configuration's rules). */
  readonly version: number;
  /**
   * Rules of a region migration in progress: the cells its copy step may write into before the
   * switch. They never decide where a record is read or written; they only let the copy in.
   */
  readonly staging: readonly PlacementRule[];
  /**
   * Rules of a migration's switch: records they cover are moving, and no process may insert
   * them anywhere (but the migration, through staging) until the next version lifts the fence.
   */
  readonly fence: readonly PlacementRule[];
  /** Whether records with this key are fenced by a migration's switch (a write is retried shortly). */
  moving(key: PlacementKey): boolean;
  /** Whether a row with this key may be inserted into `cellId`: its domicile unless fenced, or a staged copy's target. */
  accepts(key: PlacementKey, cellId: string): boolean;
  /** The cell a record with this key must live in, or null when no cell serves that home. */
  cellFor(key: PlacementKey): string | null;
  /** The default (home) cell of a jurisdiction, or null. */
  homeCell(jurisdiction: string): string | null;
}

function specificity(rule: PlacementRule): number {
  // A longer category prefix beats a home match, which beats a class match.
  return rule.category.split('.').length * 4 + (rule.home ? 2 : 0) + (rule.class ? 1 : 0);
}

export class PlacementError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlacementError';
  }
}

export interface PlacementVersionInfo {
  readonly version: number;
  readonly staging: readonly PlacementRule[];
  readonly fence?: readonly PlacementRule[];
}

export function createPlacement(cells: readonly CellLocation[], rules: readonly PlacementRule[], info: PlacementVersionInfo = { version: 1, staging: [] }): Placement {
  const homeCells = new Map<string, string>();
  for (const cell of cells) if (!homeCells.has(cell.jurisdiction)) homeCells.set(cell.jurisdiction, cell.id);
  const cellIds = new Set(cells.map((c) => c.id));

  const fence = info.fence ?? [];
  [...rules, ...info.staging, ...fence].forEach((rule, i) => {
    if (!cellIds.has(rule.cell)) {
      throw new PlacementError(`placement.rules[${i}].cell`, `names cell "${rule.cell}", which is not configured`);
    }
    if (rule.class === 'government') {
      throw new PlacementError(
        `placement.rules[${i}].class`,
        'government-class data always stays in its home cell; a rule cannot place it',
      );
    }
  });
  const ordered = [...rules].sort((a, b) => specificity(b) - specificity(a));
  // home → class → category → cell. Nested maps, not one joined string key: the residency guard
  // asks for every row written (twice a row through `accepts`), and building and hashing a new
  // key string each time showed on the message hot path.
  const memo = new Map<string, Map<string, Map<string, string | null>>>();

  function compute(key: PlacementKey): string | null {
    const home = homeCells.get(key.home) ?? null;
    if (key.class === 'government') return home;
    for (const rule of ordered) {
      if (rule.home && rule.home !== key.home) continue;
      if (rule.class && rule.class !== key.class) continue;
      if (!covers(rule.category, key.category)) continue;
      return rule.cell;
    }
    return home;
  }

  function cellFor(key: PlacementKey): string | null {
    let byClass = memo.get(key.home);
    if (byClass === undefined) {
      byClass = new Map();
      memo.set(key.home, byClass);
    }
    let byCategory = byClass.get(key.class);
    if (byCategory === undefined) {
      byCategory = new Map();
      byClass.set(key.class, byCategory);
    }
    let cell = byCategory.get(key.category);
    if (cell === undefined) {
      cell = compute(key);
      byCategory.set(key.category, cell);
    }
    return cell;
  }

  const matches = (r: PlacementRule, key: PlacementKey) => key.class !== 'government' && (!r.home || r.home === key.home) && (!r.class || r.class === key.class) && covers(r.category, key.category);
  // Without staging or fence rules (the usual case) nothing is staged or moving: no closure per call.
  const staged = info.staging.length === 0 ? () => false : (key: PlacementKey, cellId: string) => info.staging.some((r) => r.cell === cellId && matches(r, key));
  const moving = fence.length === 0 ? () => false : (key: PlacementKey) => fence.some((r) => matches(r, key));

  return {
    rules,
    version: info.version,
    staging: info.staging,
    fence,
    moving,
    accepts: (key, cellId) => (cellFor(key) === cellId && !moving(key)) || staged(key, cellId),
    homeCell: (jurisdiction) => homeCells.get(jurisdiction) ?? null,
    cellFor,
  };
}
