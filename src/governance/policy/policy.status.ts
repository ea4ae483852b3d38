// What the governance console shows of the Cedar policies (issue 11): the set in force — each
// policy's id, effect, file and text, the digest the access log names, when it was loaded, the
// validator's warnings — and whether the files on disk still validate against the schema and are
// what runs (a changed, valid directory is what the next reload would put in force); the schema
// and the files in force, whole, which a change made in the console starts from.
import type { PolicyEngine } from './policy.engine.js';
import type { PolicyProblem } from './policy.errors.js';

export interface PolicyStatus {
  /** False when no set could be loaded: every operator access is refused (fail closed). */
  readonly inForce: boolean;
  /** Why nothing is in force; null when a set is. */
  readonly problem: string | null;
  readonly digest: string | null;
  readonly loadedAt: string | null;
  readonly policies: readonly { readonly id: string; readonly effect: 'permit' | 'forbid'; readonly file: string; readonly line: number; readonly text: string }[];
  readonly readAttributes: readonly string[];
  readonly warnings: readonly PolicyProblem[];
  /** The directory read now and checked against the schema as a reload would. */
  readonly onDisk: { readonly valid: boolean; readonly digest: string | null; readonly sameAsInForce: boolean; readonly problems: readonly PolicyProblem[] } | null;
  /** The schema and the policy files in force, whole: what a console change starts from. */
  readonly schema: string | null;
  readonly files: readonly { readonly name: string; readonly text: string }[];
}

const baseName = (file: string): string => file.split(/[\\/]/).pop() ?? file;
/** Problems name files by base name: the console has no business with server paths. */
const named = (p: PolicyProblem): PolicyProblem => ({ ...p, file: baseName(p.file) });

export async function policyStatus(state: { engine: PolicyEngine | null; problem: string | null }): Promise<PolicyStatus> {
  const { engine } = state;
  if (engine === null) {
    return { inForce: false, problem: state.problem ?? 'the policies did not load', digest: null, loadedAt: null, policies: [], readAttributes: [], warnings: [], onDisk: null, schema: null, files: [] };
  }
  const check = await engine.checkSources();
  return {
    inForce: true,
    problem: null,
    digest: engine.digest,
    loadedAt: engine.loadedAt.toISOString(),
    policies: engine.policies.map((p) => ({ id: p.id, effect: p.effect, file: baseName(p.file), line: p.line, text: p.text })),
    readAttributes: engine.readAttributes,
    warnings: engine.warnings.map(named),
    onDisk: check.ok
      ? { valid: true, digest: check.digest, sameAsInForce: check.digest === engine.digest, problems: [] }
      : { valid: false, digest: null, sameAsInForce: false, problems: check.error.problems.map(named) },
    schema: engine.schemaText,
    files: engine.files,
  };
}
