// Which request attributes a policy set reads, derived from the policies themselves, and the
// decision-cache key built from exactly those attributes. Deriving it (instead of listing it by
// hand) keeps the cache right when someone edits a policy to read something new. Pure.

import type { CedarValueJson, Expr, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { childrenOf, exprBody, exprKind } from './policy.expr.js';
import type { CedarEntityView, CedarRequestView } from './policy.request.js';

export type ReadRoot = 'principal' | 'resource' | 'context';

/** `attrs` empty means the root itself: the entity's uid, or the whole context record. */
export interface ReadPath {
  readonly root: ReadRoot;
  readonly attrs: readonly string[];
}

export interface ReadSet {
  /** Canonical: sorted, and no path that another path in the set already covers. */
  readonly paths: readonly ReadPath[];
  /**
   * A policy reads something this analysis cannot pin to request attributes (an attribute of an
   * entity named by literal, or tags), so the key covers the whole request.
   */
  readonly everything: boolean;
}

const ROOTS: ReadonlySet<string> = new Set(['principal', 'resource', 'context']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRoot(value: unknown): value is ReadRoot {
  return typeof value === 'string' && ROOTS.has(value);
}

interface Collector {
  readonly paths: ReadPath[];
  everything: boolean;
  readonly attributeFreeTypes: ReadonlySet<string>;
}

/** `principal.a.b` as a root and attribute list, or null when the chain does not end in a variable. */
function chainOf(expr: Expr): ReadPath | null {
  const kind = exprKind(expr);
  const body = exprBody(expr);
  if (kind === 'Var') return isRoot(body) ? { root: body, attrs: [] } : null;
  if (kind === '.' && isObject(body) && typeof body.attr === 'string') {
    const base = chainOf(body.left as Expr);
    return base === null ? null : { root: base.root, attrs: [...base.attrs, body.attr] };
  }
  return null;
}

function visitValue(value: unknown, collector: Collector): void {
  if (Array.isArray(value)) {
    for (const item of value) visitValue(item, collector);
  } else if (isObject(value)) {
    const ref = value.__entity;
    if (isObject(ref) && typeof ref.type === 'string') {
      // Enum entities carry no attributes, so naming them reads nothing from the request.
      if (!collector.attributeFreeTypes.has(ref.type)) collector.everything = true;
      return;
    }
    for (const item of Object.values(value)) visitValue(item, collector);
  }
}

function visitExpr(expr: Expr, collector: Collector): void {
  const kind = exprKind(expr);
  const body = exprBody(expr);
  if (kind === 'Value') {
    visitValue(body, collector);
    return;
  }
  if (kind === 'Var') {
    if (isRoot(body)) collector.paths.push({ root: body, attrs: [] });
    return;
  }
  if (kind === 'getTag' || kind === 'hasTag') collector.everything = true;
  if (kind === '.') {
    const chain = chainOf(expr);
    if (chain !== null) {
      collector.paths.push(chain);
      return;
    }
  }
  if (kind === 'has' && isObject(body)) {
    const base = chainOf(body.left as Expr);
    const first: unknown = Array.isArray(body.attr) ? body.attr[0] : body.attr;
    // `x has a.b` asks about presence along the path; keying on the value of `x.a` covers it.
    if (base !== null && typeof first === 'string') {
      collector.paths.push({ root: base.root, attrs: [...base.attrs, first] });
      return;
    }
  }
  for (const child of childrenOf(expr)) visitExpr(child, collector);
}

function visitScope(root: 'principal' | 'resource', constraint: PolicyJson['principal'], collector: Collector): void {
  // `is` compares only the entity type, which is part of the uid; `==` and `in` read the uid.
  // Entities here have no parents, so `in` depends on nothing else.
  if (constraint.op !== 'All') collector.paths.push({ root, attrs: [] });
}

function comparePaths(a: ReadPath, b: ReadPath): number {
  const left = [a.root, ...a.attrs].join('\u0000');
  const right = [b.root, ...b.attrs].join('\u0000');
  return left < right ? -1 : left > right ? 1 : 0;
}

function covers(outer: ReadPath, inner: ReadPath): boolean {
  if (outer.root !== inner.root || outer.attrs.length > inner.attrs.length) return false;
  // A whole entity is keyed by its uid only, so it does not cover the entity's attributes.
  if (outer.attrs.length === 0 && outer.root !== 'context') return inner.attrs.length === 0;
  return outer.attrs.every((attr, i) => inner.attrs[i] === attr);
}

/**
 * The attributes a policy set reads. `attributeFreeTypes` are entity types without attributes
 * (the schema's enums); a literal of any other entity type makes the whole request count.
 */
export function readSetOf(policies: readonly PolicyJson[], attributeFreeTypes: ReadonlySet<string>): ReadSet {
  const collector: Collector = { paths: [], everything: false, attributeFreeTypes };
  for (const policy of policies) {
    visitScope('principal', policy.principal, collector);
    visitScope('resource', policy.resource, collector);
    for (const clause of policy.conditions) visitExpr(clause.body, collector);
  }
  const sorted = [...collector.paths].sort(comparePaths);
  const paths: ReadPath[] = [];
  // Sorting puts a prefix before its extensions, so one pass drops everything already covered.
  for (const path of sorted) {
    if (!paths.some((kept) => covers(kept, path))) paths.push(path);
  }
  return { paths, everything: collector.everything };
}

export function describeReadPath(path: ReadPath): string {
  return [path.root, ...path.attrs].join('.');
}

/** Canonical text of a Cedar value: sets sorted, record keys sorted, entity refs as `Type::"id"`. */
export function canonicalValue(value: CedarValueJson | undefined): string {
  if (value === undefined) return '~';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean' || typeof value === 'number' || value === null) return String(value);
  if (Array.isArray(value)) {
    const items = value.map(canonicalValue);
    if (items.length > 1) items.sort();
    return `[${items.join(',')}]`;
  }
  const record = value as Record<string, CedarValueJson>;
  const ref: unknown = record.__entity;
  if (isObject(ref) && typeof ref.type === 'string' && typeof ref.id === 'string') {
    return `${ref.type}::${JSON.stringify(ref.id)}`;
  }
  const keys = Object.keys(record).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalValue(record[key])}`).join(',')}}`;
}

function entityKey(entity: CedarEntityView): string {
  return `${entity.type}::${JSON.stringify(entity.id)}`;
}

function valueAt(request: CedarRequestView, path: ReadPath): string {
  if (path.attrs.length === 0) {
    return path.root === 'context' ? canonicalValue(request.context) : entityKey(request[path.root]);
  }
  let value: CedarValueJson | undefined =
    path.root === 'context' ? request.context[path.attrs[0] ?? ''] : request[path.root].attrs[path.attrs[0] ?? ''];
  for (let i = 1; i < path.attrs.length && value !== undefined; i += 1) {
    value = isObject(value) && !('__entity' in value) ? (value as Record<string, CedarValueJson>)[path.attrs[i] ?? ''] : undefined;
  }
  return canonicalValue(value);
}

export type DecisionKeyFunction = (request: CedarRequestView) => string;

/** Builds the cache-key function for a read set: the action, then each read value in order. */
export function decisionKeyFunction(readSet: ReadSet): DecisionKeyFunction {
  if (readSet.everything) {
    return (request) =>
      [
        request.action,
        entityKey(request.principal),
        canonicalValue({ ...request.principal.attrs }),
        entityKey(request.resource),
        canonicalValue({ ...request.resource.attrs }),
        canonicalValue(request.context),
      ].join('\u0000');
  }
  const paths = readSet.paths;
  return (request) => {
    let key: string = request.action;
    for (const path of paths) key += `\u0000${valueAt(request, path)}`;
    return key;
  };
}

/** Which attributes of each part of a request Cedar needs to see: `all`, or these names. */
export interface Projection {
  readonly principal: readonly string[] | 'all';
  readonly resource: readonly string[] | 'all';
  readonly context: readonly string[] | 'all';
}

/**
 * What to send to Cedar: only what the policies read. A policy can only read what its text
 * names, so the rest would be decoded for nothing.
 */
export function projectionOf(readSet: ReadSet): Projection {
  if (readSet.everything) return { principal: 'all', resource: 'all', context: 'all' };
  const names: Record<ReadRoot, Set<string>> = { principal: new Set(), resource: new Set(), context: new Set() };
  let wholeContext = false;
  for (const path of readSet.paths) {
    const first = path.attrs[0];
    if (first !== undefined) names[path.root].add(first);
    else if (path.root === 'context') wholeContext = true;
  }
  return {
    principal: [...names.principal],
    resource: [...names.resource],
    context: wholeContext ? 'all' : [...names.context],
  };
}

export function project(
  attrs: Readonly<Record<string, CedarValueJson>>,
  keep: readonly string[] | 'all',
): Record<string, CedarValueJson> {
  if (keep === 'all') return { ...attrs };
  const kept: Record<string, CedarValueJson> = {};
  for (const name of keep) {
    const value = attrs[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}
