// Finds the project's data files (registries/, schemas/) and checks JSON against the schemas
// there. The only file-system reads of the transfers module besides the CLI.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { RepoFileError } from './transfers.errors.js';

let cachedRoot: string | undefined;

/**
 * The folder holding package.json above this module. Walking up (rather than a fixed `../..`)
 * keeps it right both from src/ under tsx/vitest and from dist/src/ after compilation.
 */
export function projectRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new RepoFileError('FILE_UNREADABLE', 'package.json', 'cannot find the project root (no package.json above the transfers module)');
    dir = parent;
  }
}

export function repoPath(...segments: string[]): string {
  return resolve(projectRoot(), ...segments);
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new RepoFileError('FILE_UNREADABLE', file, `cannot read ${file}: ${reason}`);
  }
  return parseJsonText(text, file);
}

export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new RepoFileError('FILE_NOT_JSON', file, `${file} is not valid JSON: ${reason}`);
  }
}

export interface SchemaProblem {
  /** JSON Pointer into the checked document. */
  readonly path: string;
  readonly message: string;
}

export type SchemaCheck<T> = (value: unknown) => { ok: true; value: T } | { ok: false; problems: SchemaProblem[] };

// One Ajv instance: compiling a schema costs milliseconds, checking a document microseconds.
let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

function ajvInstance(): Ajv2020 {
  if (ajv === undefined) {
    // strictRequired is off because `if/then` legitimately requires fields declared beside it.
    ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    // ajv-formats is CommonJS; under NodeNext its default import is the module object.
    addFormats.default(ajv);
  }
  return ajv;
}

/**
 * Compiles `schema` with every other schema in schemas/ known by its `$id`, so a profile can
 * `$ref` the standard it extends (consent-receipt.schema.json → the Kantara base).
 */
function compileWithSiblings(instance: Ajv2020, schema: object): ValidateFunction {
  const idOf = (value: unknown): string | undefined =>
    typeof value === 'object' && value !== null && '$id' in value && typeof value.$id === 'string' ? value.$id : undefined;
  for (const name of readdirSync(repoPath('schemas')).filter((n) => n.endsWith('.schema.json'))) {
    const sibling = readJsonFile(repoPath('schemas', name));
    const id = idOf(sibling);
    if (id !== undefined && instance.getSchema(id) === undefined) instance.addSchema(sibling as object);
  }
  const own = idOf(schema);
  return (own === undefined ? undefined : instance.getSchema(own)) ?? instance.compile(schema);
}

/**
 * Names what a schema check's outcome depends on besides the document: every schema in schemas/
 * (a schema may `$ref` a sibling) and the Ajv version. Keys cached verdicts (verdict.cache.ts).
 */
export function schemasFingerprint(): string {
  const hash = createHash('sha256').update(ajvPackageVersion());
  for (const name of readdirSync(repoPath('schemas')).filter((n) => n.endsWith('.schema.json')).sort()) {
    hash.update('\u0000').update(name).update('\u0000').update(readFileSync(repoPath('schemas', name)));
  }
  return hash.digest('hex');
}

function ajvPackageVersion(): string {
  const manifest = readJsonFile(createRequire(import.meta.url).resolve('ajv/package.json'));
  return typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    return `missing required field "${missing ?? '?'}"`;
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty?: string }).additionalProperty;
    return `unknown field "${extra ?? '?'}"`;
  }
  return error.message ?? error.keyword;
}

/**
 * A checker for documents against `schemas/<name>`. The type parameter is trusted to match the
 * schema; tests load every shipped document through these checkers to keep the two in step.
 */
export function schemaCheck<T>(schemaFile: string): SchemaCheck<T> {
  const file = repoPath('schemas', schemaFile);
  let validate = compiled.get(file);
  if (validate === undefined) {
    const schema = readJsonFile(file);
    if (typeof schema !== 'object' || schema === null) {
      throw new RepoFileError('FILE_NOT_JSON', file, `${file} does not hold a JSON Schema object`);
    }
    validate = compileWithSiblings(ajvInstance(), schema);
    compiled.set(file, validate);
  }
  const check = validate;
  return (value: unknown) => {
    if (check(value)) return { ok: true, value: value as T };
    const problems = (check.errors ?? []).map((error) => ({ path: error.instancePath, message: describe(error) }));
    return { ok: false, problems };
  };
}
