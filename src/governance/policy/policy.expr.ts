// Structural traversal of Cedar's JSON policy expressions (the `Expr` of policyToJson): which
// sub-expressions a node has, and rebuilding a node from mapped children. Shared by the read-set
// analysis and the lowering pass so both agree on the grammar. Pure.

import type { Expr } from '@cedar-policy/cedar-wasm/nodejs';

const UNARY = new Set(['!', 'neg', 'isEmpty']);
const BINARY = new Set([
  '==', '!=', 'in', '<', '<=', '>', '>=', '&&', '||', '+', '-', '*',
  'contains', 'containsAll', 'containsAny', 'getTag', 'hasTag',
]);
/** Nodes whose `left` is an expression and whose other fields are not. */
const LEFT_ONLY = new Set(['.', 'has', 'like']);

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The operator of a node: every Cedar JSON expression is an object with exactly one key. */
export function exprKind(expr: Expr): string {
  const keys = Object.keys(expr);
  if (keys.length !== 1 || keys[0] === undefined) throw new Error(`not a Cedar expression: ${JSON.stringify(expr)}`);
  return keys[0];
}

export function exprBody(expr: Expr): unknown {
  return (expr as Node)[exprKind(expr)];
}

/** Rebuilds `expr` with every direct sub-expression replaced by `f(child)`. */
export function mapChildren(expr: Expr, f: (child: Expr) => Expr): Expr {
  const kind = exprKind(expr);
  const body = exprBody(expr);
  if (kind === 'Value' || kind === 'Var' || kind === 'Slot') return expr;
  if (kind === 'Set') return { Set: (body as Expr[]).map(f) };
  if (kind === 'Record') {
    const record: Record<string, Expr> = {};
    for (const [key, value] of Object.entries(body as Record<string, Expr>)) record[key] = f(value);
    return { Record: record };
  }
  if (!isNode(body)) {
    // Extension function call: `{ "ip": [arg] }`, `{ "lessThan": [a, b] }`.
    if (Array.isArray(body)) return { [kind]: (body as Expr[]).map(f) } as Expr;
    throw new Error(`unknown Cedar expression: ${kind}`);
  }
  if (UNARY.has(kind)) return { [kind]: { arg: f(body.arg as Expr) } } as Expr;
  if (BINARY.has(kind)) return { [kind]: { left: f(body.left as Expr), right: f(body.right as Expr) } } as Expr;
  if (LEFT_ONLY.has(kind)) return { [kind]: { ...body, left: f(body.left as Expr) } } as Expr;
  if (kind === 'is') {
    return { is: { ...body, left: f(body.left as Expr), ...(body.in === undefined ? {} : { in: f(body.in as Expr) }) } } as Expr;
  }
  if (kind === 'if-then-else') {
    return { 'if-then-else': { if: f(body.if as Expr), then: f(body.then as Expr), else: f(body.else as Expr) } };
  }
  throw new Error(`unknown Cedar expression: ${kind}`);
}

/** The direct sub-expressions of `expr`. */
export function childrenOf(expr: Expr): Expr[] {
  const children: Expr[] = [];
  mapChildren(expr, (child) => {
    children.push(child);
    return child;
  });
  return children;
}
