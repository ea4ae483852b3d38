// The storage layer's own residency guard: a Kysely plugin on every cell connection that
// refuses an insert of a personal-data row whose placement is another cell (or whose category
// its table does not hold), and any update that would change the columns placement reads.
// Callers cannot get around it by mistake. The shape of a query is checked when it is compiled;
// what depends on the placement in force (where a row belongs, a migration's fence) is checked
// when the statement runs (`checkExecution`), so a statement compiled once and run many times
// (src/db/precompiled.ts) meets the placement of each run, not the one it was compiled under.
// A writer that writes past Kysely (the message writer's raw SQLite batch) asks the same run-time
// checks itself, through the cell's `guard` (`checkRow`, `checkUpdate`).
import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { DomainError, retryAfterDetails } from '../errors/catalogue.js';
import type { ExecutionCheck } from '../db/connect.js';
import { covers } from './categories.js';
import type { Placement, SubjectClass } from './placement.js';
import { personalColumnNames } from './cell.database.js';
import { isMigrationEngine, isSealRefusal } from './moving.context.js';

/** The refusal of a write fenced by a migration's switch: retried by `writeWhileMoving`, never WRONG_CELL. */
function movingError(what: string): DomainError {
  return new DomainError('CELL_UNAVAILABLE', `${what} moving between cells right now; try again in a moment`, { ...retryAfterDetails(1000), moving: true });
}

const placementColumns = new Set<string>(personalColumnNames);

interface NamedNode extends OperationNode {
  readonly table?: { readonly identifier?: { readonly name?: string } };
  readonly column?: { readonly name?: string };
}

function tableName(node: OperationNode | undefined): string | null {
  return (node as NamedNode | undefined)?.table?.identifier?.name ?? null;
}

function columnName(node: OperationNode): string | null {
  return (node as NamedNode).column?.name ?? null;
}

/** The column a ColumnUpdateNode (`set x = …`) writes. */
function updatedColumn(node: OperationNode): string {
  const column = (node as unknown as { column?: OperationNode }).column;
  return column ? (columnName(column) ?? '') : '';
}

/** The literal values of each inserted row, or null when a value is not a plain literal. */
function insertedRows(values: OperationNode | undefined): unknown[][] | null {
  if (!values || values.kind !== 'ValuesNode') return null;
  const rows: unknown[][] = [];
  for (const row of (values as unknown as { values: readonly OperationNode[] }).values) {
    if (row.kind === 'PrimitiveValueListNode') {
      rows.push([...(row as unknown as { values: readonly unknown[] }).values]);
    } else if (row.kind === 'ValueListNode') {
      const cells: unknown[] = [];
      for (const v of (row as unknown as { values: readonly OperationNode[] }).values) {
        if (v.kind !== 'ValueNode') return null;
        cells.push((v as unknown as { value: unknown }).value);
      }
      rows.push(cells);
    } else {
      return null;
    }
  }
  return rows;
}

/** What the guard reads of the cell schema: the personal tables and the categories each holds. */
export interface GuardedTables {
  readonly personalTables: readonly string[];
  categoriesOf(table: string): readonly string[];
}

type InsertNode = Extract<RootOperationNode, { kind: 'InsertQueryNode' }>;
type UpdateNode = Extract<RootOperationNode, { kind: 'UpdateQueryNode' }>;

export class ResidencyGuardPlugin implements KyselyPlugin, ExecutionCheck {
  private readonly held: ReadonlyMap<string, ReadonlySet<string>>;
  /** The tables of this cell a placement's fence holds, for the last placement asked about. */
  private fencedUnder: { placement: Placement; tables: ReadonlySet<string> } | null = null;

  /** `placement` is read at every write, so a placement change holds from the next one. */
  constructor(
    private readonly cellId: string,
    private readonly placement: () => Placement,
    tables: GuardedTables,
  ) {
    this.held = new Map(tables.personalTables.map((t) => [t, new Set(tables.categoriesOf(t))]));
  }

  /** The shape, once per compile: no change of the placement columns. */
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (node.kind === 'InsertQueryNode') this.checkInsertShape(node);
    else if (node.kind === 'UpdateQueryNode') this.checkUpdateShape(node);
    return node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }

  /** Against the placement in force, before every run of a statement. */
  checkExecution(node: RootOperationNode): void {
    if (node.kind === 'InsertQueryNode') this.checkInsertPlacement(node);
    else if (node.kind === 'UpdateQueryNode') {
      const table = tableName(node.table);
      if (table) this.checkUpdate(table);
    }
  }

  private checkInsertShape(node: InsertNode): void {
    const table = tableName(node.into);
    // Literal rows are checked when the statement runs (checkInsertPlacement walks them then).
    if (!table || !this.held.has(table)) return;
    if (node.onConflict?.updates?.some((u) => placementColumns.has(updatedColumn(u)))) {
      this.refuse(table, 'an upsert may not change the placement columns');
    }
  }

  private checkInsertPlacement(node: InsertNode): void {
    const table = tableName(node.into);
    if (!table || !this.held.has(table)) return;
    const columns = (node.columns ?? []).map(columnName);
    const rows = insertedRows(node.values);
    if (!rows) this.refuse(table, 'an insert into a personal-data table must use literal values');
    const at = (name: string): number => columns.indexOf(name);
    for (const row of rows) this.checkRow(table, (name) => row[at(name)]);
  }

  /**
   * One personal-data row about to be written into this cell (invariant 2): it must carry its
   * scope and a category its table holds, name this cell, and be placed here by the rules in
   * force; a row of a scope moving out is refused as "moving" (retried), any other misplaced row
   * as WRONG_CELL. Run on every row of a Kysely insert; a writer past Kysely calls it per row.
   */
  checkRow(table: string, value: (column: string) => unknown): void {
    const held = this.held.get(table);
    if (!held) return;
    const scopeHome = value('scope_home');
    const scopeClass = value('scope_class');
    const category = value('category');
    const cell = value('cell_id');
    if (typeof scopeHome !== 'string' || typeof scopeClass !== 'string' || typeof category !== 'string') {
      this.refuse(table, 'every personal-data row needs scope_home, scope_class and category');
    }
    // The fence of a migration holds a table by the categories it holds: a row of another
    // category here would escape it.
    if (!held.has(category)) this.refuse(table, `${table} holds ${[...held].join(', ')}, not ${category}`);
    const placement = this.placement();
    const key = { home: scopeHome, class: scopeClass as SubjectClass, category };
    const domicile = placement.cellFor(key);
    // The migration engine is the one writer a fence lets through (also inside a serving process).
    const engine = isMigrationEngine();
    if (!engine && cell === this.cellId && !placement.accepts(key, this.cellId) && placement.moving(key)) {
      throw movingError(`${category} records of ${scopeHome} are`);
    }
    if ((!placement.accepts(key, this.cellId) && !(engine && domicile === this.cellId)) || cell !== this.cellId) {
      this.refuse(table, `a ${category} row of a ${scopeHome}/${scopeClass} scope belongs in cell "${domicile ?? 'none'}", not "${this.cellId}"`, {
        subjectId: value('subject_id'),
        domicile,
      });
    }
  }

  private checkUpdateShape(node: UpdateNode): void {
    const table = tableName(node.table);
    if (!table || !this.held.has(table)) return;
    if ((node.updates ?? []).some((u) => placementColumns.has(updatedColumn(u)))) {
      this.refuse(table, 'the placement columns of a personal-data row cannot be changed in place; migrate it');
    }
  }

  /**
   * While a switch's fence stands, the catch-up may still copy a moved row into this cell again:
   * an update here could be overwritten by that copy, so updates of a table holding a moving
   * category wait for the fence to lift (the statement names no row's scope, so the whole table
   * of the destination waits, briefly); tables holding only other categories go on.
   */
  checkUpdate(table: string): void {
    if (!this.held.has(table) || isMigrationEngine()) return;
    if (this.fencedTables().has(table)) throw movingError(`records of ${table} in cell ${this.cellId} are`);
  }

  /** A source cell's seal refused a write of a row that has moved (its caller held the row's old location): retried like a fenced write. */
  refusalOf(err: unknown): Error | null {
    return isSealRefusal(err) ? movingError(`these records of cell ${this.cellId} are`) : null;
  }

  private fencedTables(): ReadonlySet<string> {
    const placement = this.placement();
    if (this.fencedUnder?.placement !== placement) {
      const rules = placement.fence.filter((r) => r.cell === this.cellId);
      const tables = new Set<string>();
      for (const [table, held] of this.held) if (rules.some((r) => [...held].some((c) => covers(r.category, c)))) tables.add(table);
      this.fencedUnder = { placement, tables };
    }
    return this.fencedUnder.tables;
  }

  private refuse(table: string, why: string, details: Record<string, unknown> = {}): never {
    throw new DomainError('WRONG_CELL', `cell ${this.cellId} refused a write to ${table}: ${why}`, {
      cell: this.cellId,
      table,
      ...details,
    });
  }
}
