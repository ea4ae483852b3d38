// What the governance console does with the Cedar policies beyond showing them (issue 11): check
// a replacement of the policy files against the schema in force and diff it against the running
// set, apply it (admins; the caller journals it), and the what-if check — an operator, action,
// subject kind, category, purpose and country put to the engine in force, the same evaluation the
// broker makes. No I/O here beyond what the engine does; domain errors, never HTTP ones.
import { DomainError } from '../../errors/catalogue.js';
import type { CompiledPolicySet } from './policy.compile.js';
import type { PolicyDecision, PolicyEngine } from './policy.engine.js';
import { PolicyError, type PolicyProblem } from './policy.errors.js';
import { POLICY_FILE_NAME } from './policy.files.js';
import type { AccessAction, OperatorAttributes, Purpose, SubjectClass } from './policy.request.js';

export interface PolicyFile {
  readonly name: string;
  readonly text: string;
}

/** One policy the change adds, removes or rewrites, with its text before and after. */
export interface PolicyDiffEntry {
  readonly id: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly before: string | null;
  readonly after: string | null;
}

export interface PolicyDraftCheck {
  readonly valid: boolean;
  /** The validator's code when refused (POLICY_SYNTAX_ERROR, POLICY_INVALID…), else null. */
  readonly code: string | null;
  readonly digest: string | null;
  readonly problems: readonly PolicyProblem[];
  readonly warnings: readonly PolicyProblem[];
  /** Against the set in force; empty when refused or identical. */
  readonly diff: readonly PolicyDiffEntry[];
}

export const MAX_POLICY_FILES = 32;
export const MAX_POLICY_FILE_CHARS = 64_000;

type PolicyText = Pick<CompiledPolicySet['policies'][number], 'id' | 'text'>;

/** Policies added, removed or rewritten, in the order of the new set then the removed ones. */
export function diffPolicies(before: readonly PolicyText[], after: readonly PolicyText[]): PolicyDiffEntry[] {
  const old = new Map(before.map((p) => [p.id, p.text.trim()]));
  const next = new Map(after.map((p) => [p.id, p.text.trim()]));
  const diff: PolicyDiffEntry[] = [];
  for (const [id, text] of next) {
    const was = old.get(id);
    if (was === undefined) diff.push({ id, change: 'added', before: null, after: text });
    else if (was !== text) diff.push({ id, change: 'changed', before: was, after: text });
  }
  for (const [id, text] of old) if (!next.has(id)) diff.push({ id, change: 'removed', before: text, after: null });
  return diff;
}

/** The shape rules a draft must meet before it reaches the compiler (bad input, not a bad policy). */
function checkFiles(files: readonly PolicyFile[]): void {
  if (files.length === 0) throw new DomainError('VALIDATION_FAILED', 'a policy set needs at least one *.cedar file');
  if (files.length > MAX_POLICY_FILES) throw new DomainError('VALIDATION_FAILED', `at most ${MAX_POLICY_FILES} policy files`);
  const seen = new Set<string>();
  for (const { name, text } of files) {
    if (!POLICY_FILE_NAME.test(name)) throw new DomainError('VALIDATION_FAILED', `"${name}" is not a policy file name: lower-case letters, digits, "-" and "_", ending in .cedar`);
    if (seen.has(name)) throw new DomainError('VALIDATION_FAILED', `${name} is given twice`);
    if (text.length > MAX_POLICY_FILE_CHARS) throw new DomainError('VALIDATION_FAILED', `${name} is longer than ${MAX_POLICY_FILE_CHARS} characters`);
    seen.add(name);
  }
}

function inForce(engine: PolicyEngine | null): PolicyEngine {
  if (engine === null) throw new DomainError('POLICY_NOT_LOADED', 'no policy set is in force; fix the files on disk and restart or reload');
  return engine;
}

/** Checks a replacement of the policy files; nothing is written. */
export function checkPolicyDraft(props: { engine: PolicyEngine | null; files: readonly PolicyFile[] }): PolicyDraftCheck {
  const engine = inForce(props.engine);
  checkFiles(props.files);
  try {
    const compiled = engine.checkDraft(props.files);
    return { valid: true, code: null, digest: compiled.digest, problems: [], warnings: compiled.warnings, diff: diffPolicies(engine.policies, compiled.policies) };
  } catch (cause) {
    if (!(cause instanceof PolicyError)) throw cause;
    return { valid: false, code: cause.code, digest: null, problems: cause.problems, warnings: [], diff: [] };
  }
}

/**
 * Puts a replacement of the policy files in force, only if the set in force is still the one the
 * change was made against (`baseDigest`) and the change validates; otherwise nothing is written.
 * A change is recorded (`record`, the governance journal) before any file is written: a crash
 * between the two leaves a logged change that did not happen (the page shows the set in force),
 * never a change in force that no log shows.
 */
export async function applyPolicyDraft(props: {
  engine: PolicyEngine | null;
  files: readonly PolicyFile[];
  baseDigest: string;
  record: (change: { digest: string; changed: readonly PolicyDiffEntry[] }) => Promise<void>;
}): Promise<{ digest: string; changed: PolicyDiffEntry[] }> {
  const engine = inForce(props.engine);
  checkFiles(props.files);
  if (engine.digest !== props.baseDigest) {
    throw new DomainError('POLICY_CHANGED', 'the policies in force changed since this draft was made; reload the page and redo the change', { digest: engine.digest });
  }
  const rejected = (cause: unknown): never => {
    if (!(cause instanceof PolicyError)) throw cause;
    throw new DomainError('POLICY_REJECTED', cause.message, { code: cause.code, problems: cause.problems });
  };
  let draft: ReturnType<PolicyEngine['checkDraft']>;
  try {
    draft = engine.checkDraft(props.files);
  } catch (cause) {
    return rejected(cause);
  }
  const changed = diffPolicies(engine.policies, draft.policies);
  if (changed.length === 0) return { digest: engine.digest, changed };
  await props.record({ digest: draft.digest, changed });
  try {
    await engine.apply(props.files);
  } catch (cause) {
    return rejected(cause);
  }
  return { digest: engine.digest, changed };
}

export interface WhatIfQuestion {
  readonly operator: OperatorAttributes;
  readonly action: AccessAction;
  readonly subjectHome: string;
  readonly subjectClass: SubjectClass;
  readonly category: string;
  readonly purpose: Purpose;
  /** Where the operator would be. */
  readonly country: string;
  /** Whether an approved grant covers the request. */
  readonly grantApproved: boolean;
  readonly transferBasisCountries: readonly string[];
  readonly blockedJurisdictions: readonly string[];
}

/** The engine's decision on a hypothetical request, with the policies that decided it. */
export function whatIf(props: { engine: PolicyEngine | null; question: WhatIfQuestion }): PolicyDecision & { digest: string } {
  const engine = inForce(props.engine);
  const q = props.question;
  const decision = engine.decide({
    operator: q.operator,
    action: q.action,
    subject: { id: 'what-if', jurisdiction: q.subjectHome, class: q.subjectClass },
    category: q.category,
    physicalCountry: q.country,
    purpose: q.purpose,
    grant: q.grantApproved ? { id: 'what-if', approved: true } : null,
    transferBasisCountries: q.transferBasisCountries,
    blockedJurisdictions: q.blockedJurisdictions,
  });
  return { ...decision, digest: engine.digest };
}
