// Reads a policy directory (its schema and every *.cedar file) from disk, and finds the default
// policies shipped with the project; writes a checked replacement of the policy files (the
// console's apply). The only file-system access of the policy engine.

import { existsSync } from 'node:fs';
import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PolicySources, SourceFile } from './policy.compile.js';
import { PolicyError } from './policy.errors.js';

export const DEFAULT_SCHEMA_FILE = 'schema.cedarschema';
export const POLICY_FILE_SUFFIX = '.cedar';

function unreadable(file: string, cause: unknown): PolicyError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new PolicyError('POLICY_SOURCE_UNREADABLE', [{ file, line: 1, column: 1, message: `cannot read: ${reason}` }]);
}

async function readSource(dir: string, name: string): Promise<SourceFile> {
  const file = join(dir, name);
  try {
    return { file, name, text: await readFile(file, 'utf8') };
  } catch (cause) {
    throw unreadable(file, cause);
  }
}

/** Schema plus every `*.cedar` file of `dir`, sorted by name so ids and digests are stable. */
export async function readPolicySources(dir: string, schemaFile = DEFAULT_SCHEMA_FILE): Promise<PolicySources> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw unreadable(dir, cause);
  }
  const policyNames = names.filter((name) => name.endsWith(POLICY_FILE_SUFFIX)).sort();
  const [schema, ...policies] = await Promise.all([
    readSource(dir, schemaFile),
    ...policyNames.map((name) => readSource(dir, name)),
  ]);
  if (schema === undefined) throw unreadable(join(dir, schemaFile), 'missing');
  return { schema, policies };
}

/**
 * The project's `policies/` directory. Searched upwards from this module because the module
 * runs both from `src/` (tests, tsx) and from `dist/src/` (built).
 */
export function defaultPolicyDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth += 1) {
    const candidate = join(dir, 'policies');
    if (existsSync(join(candidate, DEFAULT_SCHEMA_FILE))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw unreadable('policies', `no policies/${DEFAULT_SCHEMA_FILE} above ${fileURLToPath(import.meta.url)}`);
}

/** A policy file name the console may write: a plain `*.cedar` name, never a path. */
export const POLICY_FILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}\.cedar$/;

/**
 * Makes `files` the directory's policy files: each written to a temporary name and renamed over
 * the old one (a reader sees a whole file or the old one), then the `*.cedar` files not in the
 * set removed. The caller has checked the set; the schema is never touched.
 */
export async function writePolicyFiles(dir: string, files: readonly { readonly name: string; readonly text: string }[]): Promise<void> {
  for (const { name } of files) {
    if (!POLICY_FILE_NAME.test(name)) throw unreadable(join(dir, name), 'not a policy file name');
  }
  for (const { name, text } of files) {
    const temporary = join(dir, `.${name}.${process.pid}.tmp`);
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, join(dir, name));
  }
  const keep = new Set(files.map((f) => f.name));
  const existing = (await readdir(dir)).filter((name) => name.endsWith(POLICY_FILE_SUFFIX) && !keep.has(name));
  await Promise.all(existing.map((name) => unlink(join(dir, name))));
}
