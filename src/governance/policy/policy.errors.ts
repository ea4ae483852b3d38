// Domain errors of the policy engine: a stable code plus the places in the policy sources that
// caused the refusal. Mapping to HTTP or CLI output happens at the edge, never here.

export const POLICY_ERROR_CODES = [
  // The policy directory, its schema or its policy files could not be read.
  'POLICY_SOURCE_UNREADABLE',
  // The schema does not parse.
  'POLICY_SCHEMA_INVALID',
  // A policy file does not parse.
  'POLICY_SYNTAX_ERROR',
  // Policies parse but are refused: they fail validation against the schema, reuse an id, are
  // templates, or there are none.
  'POLICY_INVALID',
] as const;

export type PolicyErrorCode = (typeof POLICY_ERROR_CODES)[number];

/** One reason a policy set was refused, located in its source file (1-based line and column). */
export interface PolicyProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly policyId?: string;
  readonly help?: string;
}

export function formatProblem(problem: PolicyProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  const policy = problem.policyId === undefined ? '' : ` [${problem.policyId}]`;
  const help = problem.help === undefined ? '' : ` (${problem.help})`;
  return `${where}${policy}: ${problem.message}${help}`;
}

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly code: PolicyErrorCode;
  readonly problems: readonly PolicyProblem[];

  constructor(code: PolicyErrorCode, problems: readonly PolicyProblem[], summary?: string) {
    const first = problems[0];
    const detail = first === undefined ? '' : formatProblem(first);
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(summary ?? `${code}: ${detail}${more}`);
    this.code = code;
    this.problems = problems;
  }
}
