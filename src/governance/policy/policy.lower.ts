// Lowering: rewrites validated policies so that values of the schema's enum entity types are
// plain strings ("Role::support"). Policies are written and validated against enum types, so a
// misspelt role or purpose is refused at load; they are evaluated in this lowered form because
// Cedar spends about ten microseconds decoding each entity reference in a request, several times
// what a string costs. Pure.

import type { CedarValueJson, EntityJson, Expr, PolicyJson, SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import { exprBody, exprKind, mapChildren } from './policy.expr.js';

/** The string an enum entity `Type::"id"` becomes; qualified so that types never collide. */
export function enumValue(type: string, id: string): string {
  return `${type}::${id}`;
}

export class LoweringError extends Error {
  override readonly name = 'LoweringError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entityRef(value: unknown): { type: string; id: string } | null {
  if (!isObject(value)) return null;
  const ref = value.__entity;
  return isObject(ref) && typeof ref.type === 'string' && typeof ref.id === 'string' ? { type: ref.type, id: ref.id } : null;
}

export class EnumLowering {
  constructor(private readonly enumTypes: ReadonlySet<string>) {}

  private isEnumLiteral(expr: Expr): boolean {
    if (exprKind(expr) !== 'Value') return false;
    const ref = entityRef(exprBody(expr));
    return ref !== null && this.enumTypes.has(ref.type);
  }

  /** A set literal all of whose elements are enum literals. */
  private isEnumSetLiteral(expr: Expr): boolean {
    const kind = exprKind(expr);
    const body = exprBody(expr);
    if (kind === 'Set' && Array.isArray(body)) return body.length > 0 && body.every((item: Expr) => this.isEnumLiteral(item));
    if (kind === 'Value' && Array.isArray(body)) {
      return body.length > 0 && body.every((item) => {
        const ref = entityRef(item);
        return ref !== null && this.enumTypes.has(ref.type);
      });
    }
    return false;
  }

  /** Operands that can only be entities of attribute-carrying types: safe to leave as they are. */
  private isPlainEntityOperand(expr: Expr): boolean {
    const kind = exprKind(expr);
    const body = exprBody(expr);
    if (kind === 'Var') return body === 'principal' || body === 'resource' || body === 'action';
    const ref = kind === 'Value' ? entityRef(body) : null;
    return ref !== null && !this.enumTypes.has(ref.type);
  }

  lowerValue(value: CedarValueJson): CedarValueJson {
    if (Array.isArray(value)) return value.map((item) => this.lowerValue(item));
    if (!isObject(value)) return value;
    const ref = entityRef(value);
    if (ref !== null) return this.enumTypes.has(ref.type) ? enumValue(ref.type, ref.id) : value;
    if ('__extn' in value) return value;
    const record: Record<string, CedarValueJson> = {};
    for (const [key, item] of Object.entries(value as Record<string, CedarValueJson>)) record[key] = this.lowerValue(item);
    return record;
  }

  lowerExpr(expr: Expr): Expr {
    const kind = exprKind(expr);
    if (kind === 'Value') return { Value: this.lowerValue(exprBody(expr) as CedarValueJson) };
    if (kind === 'in') {
      const { left, right } = exprBody(expr) as { left: Expr; right: Expr };
      // Enum types have no hierarchy, so `x in S` is membership and `x in e` is equality.
      if (this.isEnumSetLiteral(right)) return { contains: { left: this.lowerExpr(right), right: this.lowerExpr(left) } };
      if (this.isEnumLiteral(right)) return { '==': { left: this.lowerExpr(left), right: this.lowerExpr(right) } };
      if (this.isPlainEntityOperand(left)) return mapChildren(expr, (child) => this.lowerExpr(child));
      throw new LoweringError('`in` is supported here only with principal or resource on the left, or a literal role/purpose/class (set) on the right; write `set.contains(x)` or `x == y` instead');
    }
    if (kind === 'is') {
      const { left } = exprBody(expr) as { left: Expr };
      if (this.isPlainEntityOperand(left)) return mapChildren(expr, (child) => this.lowerExpr(child));
      throw new LoweringError('`is` is supported only on principal, resource or an entity literal');
    }
    return mapChildren(expr, (child) => this.lowerExpr(child));
  }

  lowerPolicy(policy: PolicyJson): PolicyJson {
    return {
      ...policy,
      conditions: policy.conditions.map((clause) => ({ kind: clause.kind, body: this.lowerExpr(clause.body) })),
    };
  }
}

/** Entity types declared as enums in a schema (namespaced names where there is a namespace). */
export function enumTypesOf(schema: SchemaJson<string>): Set<string> {
  const types = new Set<string>();
  for (const [namespace, definition] of Object.entries(schema)) {
    for (const [name, entityType] of Object.entries(definition.entityTypes)) {
      if ('enum' in entityType) types.add(namespace === '' ? name : `${namespace}::${name}`);
    }
  }
  return types;
}

/**
 * Action entities with their groups. A request evaluated without the schema has no action
 * hierarchy unless it is supplied, and `action in Action::"group"` would quietly be false.
 */
export function actionEntitiesOf(schema: SchemaJson<string>): EntityJson[] {
  const entities: EntityJson[] = [];
  for (const [namespace, definition] of Object.entries(schema)) {
    const actionType = namespace === '' ? 'Action' : `${namespace}::Action`;
    for (const [id, action] of Object.entries(definition.actions)) {
      const parents = action.memberOf ?? [];
      if (parents.length === 0) continue;
      entities.push({
        uid: { type: actionType, id },
        attrs: {},
        parents: parents.map((parent) => ({ type: parent.type ?? actionType, id: parent.id })),
      });
    }
  }
  return entities;
}
