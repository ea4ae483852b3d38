// RFC 8785 (JCS) canonical JSON of access-log entries: the exact bytes that become Merkle leaves.
// The `canonicalize` package quietly drops undefined members, turns undefined array items into
// null and follows toJSON; a leaf must never depend on such guesses, so values are checked first.
import canonicalize from 'canonicalize';
import { LogError } from './errors.js';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Most strings have no surrogate at all: this plain class test is far cheaper than the lookaround
// one above (a migration checks every column of every row it copies, twice).
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const hasLoneSurrogate = (s: string): boolean => ANY_SURROGATE.test(s) && LONE_SURROGATE.test(s);

function notJson(where: string, why: string): LogError {
  return new LogError('not-json', `${where}: ${why}`);
}

function check(value: unknown, where: string, open: Set<object>): void {
  switch (typeof value) {
    case 'boolean':
      return;
    case 'string':
      if (hasLoneSurrogate(value)) throw notJson(where, 'string has a lone surrogate');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw notJson(where, `${value} is not a JSON number`);
      return;
    case 'object':
      break;
    default:
      throw notJson(where, `${typeof value} is not a JSON value`);
  }
  if (value === null) return;
  if (open.has(value)) throw notJson(where, 'circular reference');
  open.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw notJson(`${where}[${i}]`, 'array has a hole');
      check(value[i], `${where}[${i}]`, open);
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw notJson(where, 'only plain objects are JSON objects');
    if (Object.getOwnPropertySymbols(value).length > 0) throw notJson(where, 'object has symbol keys');
    for (const [key, member] of Object.entries(value)) {
      if (hasLoneSurrogate(key)) throw notJson(where, 'key has a lone surrogate');
      check(member, `${where}.${key}`, open);
    }
  }
  open.delete(value);
}

/**
 * RFC 8785 canonical JSON text. Throws LogError('not-json') on anything that is not plainly JSON
 * (undefined anywhere, NaN, ±Infinity, bigint, functions, Dates and other class instances, holes,
 * cycles, lone surrogates) instead of silently changing it.
 */
export function canonicalJson(value: unknown): string {
  check(value, '$', new Set());
  const text = canonicalize(value);
  if (typeof text !== 'string') throw notJson('$', 'value has no JSON form');
  return text;
}

/** The UTF-8 bytes of the canonical JSON: what an access-log leaf hashes. */
export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
