// The one door, in the types: what an operator route plugin is given cannot reach a cell's
// database. A type walks every property, function parameter and (awaited) result of each
// operator route's options, looking for the runtime, the cell registry, a cell, a Kysely
// instance, messaging's context or a data source the broker reads; `npm run typecheck` fails
// when one is reachable. The controls prove the walk finds each of them where it is.
import { describe, expectTypeOf, it } from 'vitest';
import type { Runtime } from '../../src/app/runtime.js';
import type { Cell, CellRegistry } from '../../src/cells/cell.registry.js';
import type { SubjectDataSource } from '../../src/governance/broker/subject-data.js';
import type { Governance } from '../../src/governance/governance.js';
import type { OperatorGate } from '../../src/http/operator-auth.js';
import type { OpsControlRoutesOptions } from '../../src/http/routes/ops.control.routes.js';
import type { OpsDataRoutesOptions } from '../../src/http/routes/ops.data.routes.js';
import type { OpsRealtimeRoutesOptions } from '../../src/http/routes/ops.realtime.routes.js';
import type { OpsSessionRoutesOptions } from '../../src/http/routes/ops.session.routes.js';
import type { MessagingContext } from '../../src/messaging/messaging.context.js';

/** Anything that runs queries: Kysely, a transaction, a query creator. */
interface QueryBuilder {
  selectFrom: unknown;
  insertInto: unknown;
}

type Storage = Runtime | CellRegistry | Cell | MessagingContext | SubjectDataSource | QueryBuilder;

type IsStorage<T> = [T] extends [never] ? false : T extends Runtime | CellRegistry | Cell | MessagingContext | SubjectDataSource | QueryBuilder ? true : false;

/** True when a value of type T can hand out storage within `Depth` steps. */
type Reaches<T, Depth extends readonly unknown[] = []> = Depth['length'] extends 5
  ? false
  : IsStorage<T> extends true
    ? true
    : T extends (...args: infer A) => infer R
      ? Reaches<Awaited<R>, [...Depth, 1]> | Reaches<A[number], [...Depth, 1]>
      : T extends string | number | boolean | bigint | symbol | null | undefined | Date | Uint8Array
        ? false
        : T extends readonly (infer E)[]
          ? Reaches<E, [...Depth, 1]>
          : T extends ReadonlyMap<infer K, infer V>
            ? Reaches<K, [...Depth, 1]> | Reaches<V, [...Depth, 1]>
            : T extends object
              ? { [K in keyof T]-?: Reaches<T[K], [...Depth, 1]> }[keyof T]
              : false;

/** Reaches yields a union of booleans along the paths it walks; one `true` is enough. */
type CanReach<T> = true extends Reaches<T> ? true : false;

describe('operator route options', () => {
  it('reach no cell database: not the runtime, the cell registry, a cell, Kysely, messaging or a data source', () => {
    expectTypeOf<CanReach<OperatorGate>>().toEqualTypeOf<false>();
    expectTypeOf<CanReach<OpsSessionRoutesOptions>>().toEqualTypeOf<false>();
    expectTypeOf<CanReach<OpsDataRoutesOptions>>().toEqualTypeOf<false>();
    expectTypeOf<CanReach<OpsControlRoutesOptions>>().toEqualTypeOf<false>();
    expectTypeOf<CanReach<OpsRealtimeRoutesOptions>>().toEqualTypeOf<false>();
  });

  it('the walk finds storage wherever it is (controls)', () => {
    expectTypeOf<IsStorage<Storage>>().toEqualTypeOf<true>();
    expectTypeOf<CanReach<{ runtime: Runtime }>>().toEqualTypeOf<true>();
    expectTypeOf<CanReach<{ cells: Pick<Runtime, 'cells'> }>>().toEqualTypeOf<true>();
    expectTypeOf<CanReach<{ cell: (id: string) => Cell }>>().toEqualTypeOf<true>();
    expectTypeOf<CanReach<{ db: () => Promise<Cell['db']> }>>().toEqualTypeOf<true>();
    expectTypeOf<CanReach<{ withDb: (use: (db: Cell['db']) => void) => void }>>().toEqualTypeOf<true>();
    expectTypeOf<CanReach<{ messaging: Pick<Runtime, 'messaging'> }>>().toEqualTypeOf<true>();
    // The whole governance hands out its data sources, so operator routes get parts of it.
    expectTypeOf<CanReach<{ governance: Governance }>>().toEqualTypeOf<true>();
    expectTypeOf<CanReach<{ sources: readonly SubjectDataSource[] }>>().toEqualTypeOf<true>();
  });
});
