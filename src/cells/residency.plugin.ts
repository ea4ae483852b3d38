// The storage layer's own residency guard: a Kysely plugin on every cell connection that
// refuses an insert of a personal-data row whose placement is another cell, and any update
// that would change the columns placement reads. Callers cannot get around it by mistake; a
// writer that writes past Kysely (the message writer's raw SQLite batch) calls `checkPersonalRow`.
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
import type { Placement, SubjectClass } from './placement.js';
import { personalColumnNames } from './cell.database.js';
import { isMigrationEngine } from './moving.context.js';

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

function refuse(cellId: string, table: string, why: string, details: Record<string, unknown> = {}): never {
  throw new DomainError('WRONG_CELL', `cell ${cellId} refused a write to ${table}: ${why}`, { cell: cellId, table, ...details });
}

/**
 * The guard's check of one personal-data row about to be written into `cellId` (invariant 2): it
 * must carry its scope and category, name this cell, and be placed here by the rules in force;
 * a row of a scope that is moving out is refused as "moving" (retried), any other misplaced row
 * as WRONG_CELL. The plugin runs it on every row of a Kysely insert; a writer that writes rows
 * past Kysely (the message writer's raw SQLite batch) must call it on each row itself.
 */
export function checkPersonalRow(props: { cellId: string; placement: Placement; table: string; row: (column: string) => unknown }): void {
  const { cellId, placement, table, row: value } = props;
  const scopeHome = value('scope_home');
  const scopeClass = value('scope_class');
  const category = value('category');
  const cell = value('cell_id');
  if (typeof scopeHome !== 'string' || typeof scopeClass !== 'string' || typeof category !== 'string') {
    refuse(cellId, table, 'every personal-data row needs scope_home, scope_class and category');
  }
  const key = { home: scopeHome, class: scopeClass as SubjectClass, category };
  const domicile = placement.cellFor(key);
  // The migration engine is the one writer a fence lets through (also inside a serving process).
  const engine = isMigrationEngine();
  if (!engine && cell === cellId && !placement.accepts(key, cellId) && placement.moving(key)) {
    throw movingError(`${category} records of ${scopeHome} are`);
  }
  if ((!placement.accepts(key, cellId) && !(engine && domicile === cellId)) || cell !== cellId) {
    refuse(cellId, table, `a ${category} row of a ${scopeHome}/${scopeClass} scope belongs in cell "${domicile ?? 'none'}", not "${cellId}"`, {
      subjectId: value('subject_id'),
      domicile,
    });
  }
}

export class ResidencyGuardPlugin implements KyselyPlugin {
  private readonly guarded: ReadonlySet<string>;

  /** `placement` is read at every write, so a placement change holds from the next one. */
  constructor(
    private readonly cellId: string,
    private readonly placement: () => Placement,
    personalTables: readonly string[],
  ) {
    this.guarded = new Set(personalTables);
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (node.kind === 'InsertQueryNode') this.checkInsert(node);
    else if (node.kind === 'UpdateQueryNode') this.checkUpdate(node);
    return node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }

  private checkInsert(node: Extract<RootOperationNode, { kind: 'InsertQueryNode' }>): void {
    const table = tableName(node.into);
    if (!table || !this.guarded.has(table)) return;
    const columns = (node.columns ?? []).map(columnName);
    const rows = insertedRows(node.values);
    if (!rows) this.refuse(table, 'an insert into a personal-data table must use literal values');
    if (node.onConflict?.updates?.some((u) => placementColumns.has(updatedColumn(u)))) {
      this.refuse(table, 'an upsert may not change the placement columns');
    }
    const at = (name: string): number => columns.indexOf(name);
    for (const row of rows ?? []) {
      checkPersonalRow({ cellId: this.cellId, placement: this.placement(), table, row: (name) => row[at(name)] });
    }
  }

  private checkUpdate(node: Extract<RootOperationNode, { kind: 'UpdateQueryNode' }>): void {
    const table = tableName(node.table);
    if (!table || !this.guarded.has(table)) return;
    if ((node.updates ?? []).some((u) => placementColumns.has(updatedColumn(u)))) {
      this.refuse(table, 'the placement columns of a personal-data row cannot be changed in place; migrate it');
    }
    // While a switch's fence stands, the catch-up may still copy a moved row into this cell again:
    // an update here could be overwritten by that copy, so updates wait for the fence to lift (the
    // statement names no row's scope, so every personal table of the destination waits, briefly).
    if (!isMigrationEngine() && this.placement().fence.some((r) => r.cell === this.cellId)) {
      throw movingError(`records of ${table} in cell ${this.cellId} are`);
    }
  }

  private refuse(table: string, why: string): never {
    refuse(this.cellId, table, why);
  }
}
