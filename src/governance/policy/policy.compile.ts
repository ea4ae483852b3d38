// Turns policy sources (a schema and *.cedar files, already read) into a checked policy set:
// parsed, cut into policies with stable ids, validated against the schema, with every refusal
// located at file:line:column. Calls Cedar but does no I/O and holds no state.

import { createHash } from 'node:crypto';
import {
  checkParseSchema,
  policySetTextToParts,
  policyToJson,
  schemaToJson,
  validate,
  type DetailedError,
  type EntityJson,
  type PolicyJson,
} from '@cedar-policy/cedar-wasm/nodejs';
import { PolicyError, type PolicyProblem } from './policy.errors.js';
import { actionEntitiesOf, EnumLowering, enumTypesOf, LoweringError } from './policy.lower.js';
import { readSetOf, type ReadSet } from './policy.read-set.js';
import { charIndexOfByteOffset, lineColumnAt, splitPolicies } from './policy.text.js';

export interface SourceFile {
  /** Path shown in errors. */
  readonly file: string;
  /** Short name used in generated policy ids, e.g. `base.cedar`. */
  readonly name: string;
  readonly text: string;
}

export interface PolicySources {
  readonly schema: SourceFile;
  /** In the order ids should be listed; the loader sorts by file name. */
  readonly policies: readonly SourceFile[];
}

export interface CompiledPolicy {
  readonly id: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly effect: 'permit' | 'forbid';
  readonly text: string;
  readonly json: PolicyJson;
}

export interface CompiledPolicySet {
  readonly schemaText: string;
  readonly policies: readonly CompiledPolicy[];
  /** id → policy text, the shape Cedar takes so that its diagnostics name our ids. */
  readonly staticPolicies: Readonly<Record<string, string>>;
  /** id → the same policy with enum values lowered to strings: what the engine evaluates. */
  readonly loweredPolicies: Readonly<Record<string, PolicyJson>>;
  /** Action entities carrying the schema's action groups, sent with every request. */
  readonly actionEntities: readonly EntityJson[];
  readonly readSet: ReadSet;
  /** SHA-256 over the schema and every id and text: names this exact set in the access log. */
  readonly digest: string;
  /** Validator warnings (for instance a policy that can never apply); not fatal. */
  readonly warnings: readonly PolicyProblem[];
}

/** Where a Cedar diagnostic points inside `text`, which starts at `base` in `file`. */
function locate(file: SourceFile, base: number, text: string, error: DetailedError): { line: number; column: number } {
  const label = error.sourceLocations?.[0] ?? error.related?.flatMap((r) => r.sourceLocations ?? [])[0];
  const index = label === undefined ? 0 : charIndexOfByteOffset(text, label.start);
  return lineColumnAt(file.text, base + index);
}

function problemFrom(file: SourceFile, base: number, text: string, error: DetailedError, policyId?: string): PolicyProblem {
  const { line, column } = locate(file, base, text, error);
  const label = error.sourceLocations?.[0]?.label;
  const help = error.help ?? (label === null || label === undefined ? undefined : label);
  return {
    file: file.file,
    line,
    column,
    message: error.message,
    ...(policyId === undefined ? {} : { policyId }),
    ...(help === undefined ? {} : { help }),
  };
}

function digestOf(schemaText: string, staticPolicies: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256').update(schemaText).update('\u0000');
  for (const [id, text] of Object.entries(staticPolicies)) hash.update(id).update('\u0000').update(text).update('\u0000');
  return hash.digest('hex');
}

/**
 * What an earlier compile of exactly these sources found (policy.engine.ts keeps it across
 * processes by their hash): they parse, validate strictly against the schema, and raise these
 * warnings. Given it, the Cedar checks are skipped; the policies are still converted and lowered.
 */
export interface ProvenVerdict {
  readonly warnings: readonly PolicyProblem[];
}

interface Located {
  readonly policy: CompiledPolicy;
  readonly source: SourceFile;
  readonly start: number;
}

/**
 * Compiles a policy set or throws a `PolicyError` listing every problem found at the failing
 * stage. Ids come from an `@id("…")` annotation, else `<file name>#<n>` (n counts from 1 within
 * the file), so they stay stable when other files change.
 */
export function compilePolicySet(sources: PolicySources, proven?: ProvenVerdict): CompiledPolicySet {
  const { schema } = sources;
  const schemaAnswer = proven === undefined ? checkParseSchema(schema.text) : ({ type: 'success' } as const);
  if (schemaAnswer.type === 'failure') {
    throw new PolicyError(
      'POLICY_SCHEMA_INVALID',
      schemaAnswer.errors.map((error) => problemFrom(schema, 0, schema.text, error)),
    );
  }

  const syntaxProblems: PolicyProblem[] = [];
  const templateProblems: PolicyProblem[] = [];
  const policyCounts = new Map<SourceFile, number>();
  for (const source of sources.policies) {
    if (proven !== undefined) {
      // Proven sources parsed, had no templates, and split as Cedar counts: only the split is redone.
      policyCounts.set(source, splitPolicies(source.text).length);
      continue;
    }
    const parts = policySetTextToParts(source.text);
    if (parts.type === 'failure') {
      syntaxProblems.push(...parts.errors.map((error) => problemFrom(source, 0, source.text, error)));
    } else if (parts.policy_templates.length > 0) {
      const slot = /\?(principal|resource)\b/.exec(source.text);
      templateProblems.push({
        file: source.file,
        ...lineColumnAt(source.text, slot?.index ?? 0),
        message: 'policy templates are not supported; write static policies',
      });
    } else {
      policyCounts.set(source, parts.policies.length);
    }
  }
  if (syntaxProblems.length > 0) throw new PolicyError('POLICY_SYNTAX_ERROR', syntaxProblems);

  const invalid: PolicyProblem[] = [...templateProblems];
  const byId = new Map<string, Located>();
  for (const source of sources.policies) {
    const count = policyCounts.get(source);
    if (count === undefined) continue;
    const chunks = splitPolicies(source.text);
    if (count !== chunks.length) {
      invalid.push({ file: source.file, line: 1, column: 1, message: `found ${chunks.length} policies by ';' but Cedar counts ${count}` });
      continue;
    }
    chunks.forEach((chunk, index) => {
      const at = lineColumnAt(source.text, chunk.bodyStart);
      const json = policyToJson(chunk.text);
      if (json.type === 'failure') {
        invalid.push(...json.errors.map((error) => problemFrom(source, chunk.start, chunk.text, error)));
        return;
      }
      const id = json.json.annotations?.id ?? `${source.name}#${index + 1}`;
      const earlier = byId.get(id);
      if (earlier !== undefined) {
        invalid.push({
          file: source.file,
          ...at,
          policyId: id,
          message: `policy id "${id}" is already used at ${earlier.policy.file}:${earlier.policy.line}:${earlier.policy.column}`,
        });
        return;
      }
      byId.set(id, {
        source,
        start: chunk.start,
        policy: { id, file: source.file, ...at, effect: json.json.effect, text: chunk.text, json: json.json },
      });
    });
  }
  if (invalid.length === 0 && byId.size === 0) {
    invalid.push({ file: schema.file, line: 1, column: 1, message: 'no policies: add at least one *.cedar file' });
  }
  if (invalid.length > 0) throw new PolicyError('POLICY_INVALID', invalid);

  const staticPolicies: Record<string, string> = {};
  for (const [id, { policy }] of byId) staticPolicies[id] = policy.text;

  const validation =
    proven === undefined
      ? validate({ schema: schema.text, policies: { staticPolicies }, validationSettings: { mode: 'strict' } })
      : ({ type: 'success', validationErrors: [], validationWarnings: [] } as const);
  if (validation.type === 'failure') {
    throw new PolicyError(
      'POLICY_INVALID',
      validation.errors.map((error) => problemFrom(schema, 0, schema.text, error)),
    );
  }
  const locatedProblem = (policyId: string, error: DetailedError): PolicyProblem => {
    const located = byId.get(policyId);
    return located === undefined
      ? { file: schema.file, line: 1, column: 1, policyId, message: error.message }
      : problemFrom(located.source, located.start, located.policy.text, error, policyId);
  };
  if (validation.validationErrors.length > 0) {
    throw new PolicyError(
      'POLICY_INVALID',
      validation.validationErrors.map(({ policyId, error }) => locatedProblem(policyId, error)),
    );
  }

  const schemaJson = schemaToJson(schema.text);
  if (schemaJson.type === 'failure') {
    throw new PolicyError('POLICY_SCHEMA_INVALID', schemaJson.errors.map((error) => problemFrom(schema, 0, schema.text, error)));
  }
  const enumTypes = enumTypesOf(schemaJson.json);
  const lowering = new EnumLowering(enumTypes);
  const loweredPolicies: Record<string, PolicyJson> = {};
  const loweringProblems: PolicyProblem[] = [];
  for (const [id, { policy }] of byId) {
    try {
      loweredPolicies[id] = lowering.lowerPolicy(policy.json);
    } catch (error) {
      // LoweringError names a construct we refuse; anything else is Cedar JSON we do not know.
      const message = error instanceof LoweringError ? error.message : `cannot analyse this policy: ${String(error)}`;
      loweringProblems.push({ file: policy.file, line: policy.line, column: policy.column, policyId: id, message });
    }
  }
  if (loweringProblems.length > 0) throw new PolicyError('POLICY_INVALID', loweringProblems);

  const policies = [...byId.values()].map((located) => located.policy);
  return {
    schemaText: schema.text,
    policies,
    staticPolicies,
    loweredPolicies,
    actionEntities: actionEntitiesOf(schemaJson.json),
    readSet: readSetOf(
      policies.map((policy) => policy.json),
      enumTypes,
    ),
    digest: digestOf(schema.text, staticPolicies),
    warnings: proven?.warnings ?? validation.validationWarnings.map(({ policyId, error }) => locatedProblem(policyId, error)),
  };
}
