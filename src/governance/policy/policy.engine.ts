// The policy engine: holds the Cedar policy set in force, decides access requests against it
// (deny by default, fail closed), caches decisions on exactly the attributes the policies read,
// and swaps in a new set on reload or file change only once the new set has fully checked out.
// Policies are validated against the schema at load and evaluated in their lowered form
// (policy.lower.ts) on only the attributes they read: that is what keeps a miss under 100 µs.

import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import {
  getCedarSDKVersion,
  getCedarVersion,
  preparsePolicySet,
  statefulIsAuthorized,
  type AuthorizationAnswer,
  type EntityJson,
} from '@cedar-policy/cedar-wasm/nodejs';
import { NO_VERDICT_CACHE, verdictKey, type VerdictCache } from '../verdicts/verdict.cache.js';
import { compilePolicySet, type CompiledPolicySet, type PolicySources, type ProvenVerdict } from './policy.compile.js';
import { contractSamplesDigest, requestContractProblems } from './policy.contract.js';
import { PolicyError, type PolicyProblem } from './policy.errors.js';
import { readPolicySources, writePolicyFiles } from './policy.files.js';
import {
  decisionKeyFunction,
  describeReadPath,
  project,
  projectionOf,
  type DecisionKeyFunction,
  type Projection,
} from './policy.read-set.js';
import { checkAccessRequest, toCedarView, type AccessRequest, type CedarRequestView } from './policy.request.js';

export interface PolicyDecision {
  readonly decision: 'allow' | 'deny';
  /** The policies that decided: satisfied permits on allow, satisfied forbids on deny. */
  readonly policyIds: readonly string[];
  /** Why the engine refused to trust the evaluation; non-empty always means deny. */
  readonly errors: readonly string[];
}

export interface PolicyEngineOptions {
  readonly dir: string;
  readonly schemaFile?: string;
  /** Reload when a file in `dir` changes. */
  readonly watch?: boolean;
  readonly debounceMs?: number;
  /** Upper bound on cached decisions; the oldest entry goes first. */
  readonly cacheMaxEntries?: number;
  /**
   * Verdicts of earlier checks of the same sources (by hash), shared by the processes of one data
   * directory: a start then skips the Cedar validation and the contract check (~0.5 s CPU).
   */
  readonly verdicts?: VerdictCache;
  /** Told about every reload the watcher starts, successful or refused. */
  readonly onReload?: (event: PolicyReloadEvent) => void;
}

export type ReloadStatus = 'reloaded' | 'unchanged';

export type PolicyReloadEvent =
  | { readonly ok: true; readonly status: ReloadStatus; readonly digest: string }
  | { readonly ok: false; readonly error: PolicyError };

export interface DecisionCacheStats {
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
}

interface ActiveSet {
  readonly compiled: CompiledPolicySet;
  /** The schema and files it was compiled from: what a console change is checked against. */
  readonly sources: PolicySources;
  readonly cedarId: string;
  readonly keyOf: DecisionKeyFunction;
  readonly projection: Projection;
  /** When this set was put in force (at start or by a reload). */
  readonly loadedAt: Date;
}

const DEFAULT_DEBOUNCE_MS = 100;
const DEFAULT_CACHE_MAX_ENTRIES = 10_000;

let engineCount = 0;

function deny(errors: readonly string[], policyIds: readonly string[] = []): PolicyDecision {
  return Object.freeze({ decision: 'deny', policyIds: Object.freeze([...policyIds]), errors: Object.freeze([...errors]) });
}

/** Maps Cedar's answer to a decision, denying whenever any policy failed to evaluate. */
function decisionFrom(answer: AuthorizationAnswer): PolicyDecision {
  if (answer.type === 'failure') return deny(answer.errors.map((error) => `request: ${error.message}`));
  const { decision, diagnostics } = answer.response;
  if (diagnostics.errors.length > 0) {
    // Cedar skips a policy that errors; for a forbid that would turn "deny" into "allow".
    const errors = diagnostics.errors.map(({ policyId, error }) => `${policyId}: ${error.message}`);
    return deny(errors, decision === 'deny' ? diagnostics.reason : []);
  }
  return Object.freeze({
    decision,
    policyIds: Object.freeze([...diagnostics.reason].sort()),
    errors: Object.freeze([]),
  });
}

/** The files on disk checked against the schema: the digest they would run with, or why they would not. */
export type SourceCheck = { ok: true; digest: string; warnings: readonly PolicyProblem[] } | { ok: false; error: PolicyError };

export class PolicyEngine {
  private active: ActiveSet;
  private readonly cache = new Map<string, PolicyDecision>();
  private hits = 0;
  private misses = 0;
  private flushes = 0;
  private nextSlot: 0 | 1 = 1;
  private reloading: Promise<unknown> = Promise.resolve();
  /** The last check of the files on disk, by the hash of their text: compiling costs ~0.4 s. */
  private lastCheck: { sourcesHash: string; result: SourceCheck } | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly instance: number;
  private readonly options: PolicyEngineOptions;
  private readonly verdicts: VerdictCache;

  private constructor(options: PolicyEngineOptions, instance: number, active: ActiveSet) {
    this.options = options;
    this.verdicts = options.verdicts ?? NO_VERDICT_CACHE;
    this.instance = instance;
    this.active = active;
  }

  /** Loads and checks the policy directory; throws `PolicyError` if it is refused. */
  static async open(options: PolicyEngineOptions): Promise<PolicyEngine> {
    engineCount += 1;
    const instance = engineCount;
    const sources = await readPolicySources(options.dir, options.schemaFile);
    const engine = new PolicyEngine(options, instance, PolicyEngine.install(instance, 0, prepare(sources, options.verdicts ?? NO_VERDICT_CACHE), sources));
    if (options.watch === true) engine.startWatching();
    return engine;
  }

  /**
   * Preparses into one of two Cedar slots per engine, never the one in force, so a failure
   * here leaves the current set untouched and the slots do not pile up across reloads.
   */
  private static install(instance: number, slot: 0 | 1, compiled: CompiledPolicySet, sources: PolicySources): ActiveSet {
    const cedarId = `domicile:${instance}:${slot}`;
    const answer = preparsePolicySet(cedarId, { staticPolicies: { ...compiled.loweredPolicies } });
    if (answer.type === 'failure') {
      const problems: PolicyProblem[] = answer.errors.map((error) => ({ file: cedarId, line: 1, column: 1, message: error.message }));
      throw new PolicyError('POLICY_INVALID', problems);
    }
    return { compiled, sources, cedarId, keyOf: decisionKeyFunction(compiled.readSet), projection: projectionOf(compiled.readSet), loadedAt: new Date() };
  }

  decide(request: AccessRequest): PolicyDecision {
    const problems = checkAccessRequest(request);
    if (problems.length > 0) return deny(problems);
    const view = toCedarView(request);
    const key = this.active.keyOf(view);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.hits += 1;
      return cached;
    }
    this.misses += 1;
    const decision = this.evaluate(view);
    // Refusals caused by errors are not cached: they are rare and should stay visible.
    if (decision.errors.length === 0) this.remember(key, decision);
    return decision;
  }

  /**
   * Asks Cedar, sending only the attributes the policies read. The request is not validated
   * against the schema here: `checkAccessRequest` has vouched for every attribute, and
   * `requestContractProblems` proved at load that the schema accepts such requests.
   */
  private evaluate(view: CedarRequestView): PolicyDecision {
    const { projection, compiled, cedarId } = this.active;
    const entities: EntityJson[] = [
      { uid: { type: view.principal.type, id: view.principal.id }, attrs: project(view.principal.attrs, projection.principal), parents: [] },
      { uid: { type: view.resource.type, id: view.resource.id }, attrs: project(view.resource.attrs, projection.resource), parents: [] },
    ];
    if (compiled.actionEntities.length > 0) entities.push(...compiled.actionEntities);
    try {
      return decisionFrom(
        statefulIsAuthorized({
          principal: { type: view.principal.type, id: view.principal.id },
          action: { type: 'Action', id: view.action },
          resource: { type: view.resource.type, id: view.resource.id },
          context: project(view.context, projection.context),
          entities,
          preparsedPolicySetId: cedarId,
        }),
      );
    } catch (error) {
      return deny([`engine: ${error instanceof Error ? error.message : String(error)}`]);
    }
  }

  private remember(key: string, decision: PolicyDecision): void {
    const limit = this.options.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
    if (this.cache.size >= limit) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(key, decision);
  }

  /**
   * Drops every cached decision. Call it whenever something a decision depends on changes
   * outside the request: grants, blocks. Policy reloads flush by themselves.
   */
  flush(): void {
    this.cache.clear();
    this.flushes += 1;
  }

  /** Counts flushes; a caller holding a decision can tell whether it predates a change. */
  get generation(): number {
    return this.flushes;
  }

  get digest(): string {
    return this.active.compiled.digest;
  }

  /** The policies in force, with where each was written. */
  get policies(): CompiledPolicySet['policies'] {
    return this.active.compiled.policies;
  }

  get schemaText(): string {
    return this.active.compiled.schemaText;
  }

  /** When the set in force was loaded (at start, or by the last reload that changed it). */
  get loadedAt(): Date {
    return this.active.loadedAt;
  }

  /**
   * Reads and checks the policy directory as a reload would, without putting it in force: its
   * digest (equal to `digest` when the files on disk are what runs), or the problems that would
   * make a reload refuse it.
   */
  async checkSources(): Promise<SourceCheck> {
    let sources: PolicySources;
    try {
      sources = await readPolicySources(this.options.dir, this.options.schemaFile);
    } catch (cause) {
      if (cause instanceof PolicyError) return { ok: false, error: cause };
      throw cause;
    }
    const sourcesHash = createHash('sha256').update(JSON.stringify(sources)).digest('hex');
    if (this.lastCheck?.sourcesHash === sourcesHash) return this.lastCheck.result;
    let result: SourceCheck;
    try {
      const compiled = prepare(sources, this.verdicts);
      result = { ok: true, digest: compiled.digest, warnings: compiled.warnings };
    } catch (cause) {
      if (!(cause instanceof PolicyError)) throw cause;
      result = { ok: false, error: cause };
    }
    this.lastCheck = { sourcesHash, result };
    return result;
  }

  /** The policy files of the set in force (base names and text), as a console change starts from. */
  get files(): readonly { readonly name: string; readonly text: string }[] {
    return this.active.sources.policies.map(({ name, text }) => ({ name, text }));
  }

  /**
   * Compiles a replacement for the policy files against the schema in force, as a reload would,
   * without touching the directory or the set in force; throws `PolicyError` when it is refused.
   */
  checkDraft(files: readonly { readonly name: string; readonly text: string }[]): CompiledPolicySet {
    // In file-name order, as the directory is read: the digest is then the one the set will run with.
    const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return prepare({ schema: this.active.sources.schema, policies: sorted.map(({ name, text }) => ({ file: name, name, text })) }, this.verdicts);
  }

  /**
   * Replaces the policy files with `files` and reloads: checked first (nothing is written when
   * refused), then written to the directory, where every node watching it reloads too. Runs in
   * the reload queue, so two applies never interleave their writes.
   */
  apply(files: readonly { readonly name: string; readonly text: string }[]): Promise<ReloadStatus> {
    const next = this.reloading.then(async () => {
      this.checkDraft(files);
      await writePolicyFiles(this.options.dir, files);
      return this.reloadNow();
    });
    this.reloading = next.catch(() => undefined);
    return next;
  }

  get policyIds(): readonly string[] {
    return this.active.compiled.policies.map((policy) => policy.id);
  }

  /** The request attributes the policies in force read, e.g. `context.physicalCountry`. */
  get readAttributes(): readonly string[] {
    const { readSet } = this.active.compiled;
    return readSet.everything ? ['*'] : readSet.paths.map(describeReadPath);
  }

  get warnings(): readonly PolicyProblem[] {
    return this.active.compiled.warnings;
  }

  get cacheStats(): DecisionCacheStats {
    return { size: this.cache.size, hits: this.hits, misses: this.misses };
  }

  /**
   * Reads and checks the directory again. On success the new set is in force and the cache is
   * flushed; if the sources are unchanged nothing happens. On failure it throws `PolicyError`
   * and the previous set stays in force. Reloads run one at a time.
   */
  reload(): Promise<ReloadStatus> {
    const next = this.reloading.then(() => this.reloadNow());
    this.reloading = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(): Promise<ReloadStatus> {
    const sources = await readPolicySources(this.options.dir, this.options.schemaFile);
    const compiled = prepare(sources, this.verdicts);
    if (compiled.digest === this.active.compiled.digest) return 'unchanged';
    const slot = this.nextSlot;
    this.active = PolicyEngine.install(this.instance, slot, compiled, sources);
    this.nextSlot = slot === 0 ? 1 : 0;
    this.flush();
    return 'reloaded';
  }

  private startWatching(): void {
    // Any change counts, not only *.cedar names: deployments often swap a symlinked directory
    // (`..data` in a Kubernetes ConfigMap), and an unchanged digest makes a spurious reload free.
    this.watcher = watch(this.options.dir, { persistent: false }, () => {
      // Editors save in several steps (truncate, write, rename); settle before reading.
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.reloadFromWatcher(), this.options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
      this.debounce.unref();
    });
    this.watcher.on('error', (cause: unknown) => {
      const reason = cause instanceof Error ? cause.message : String(cause);
      this.options.onReload?.({
        ok: false,
        error: new PolicyError('POLICY_SOURCE_UNREADABLE', [{ file: this.options.dir, line: 1, column: 1, message: `watch failed: ${reason}` }]),
      });
    });
  }

  private reloadFromWatcher(): void {
    this.reload().then(
      (status) => this.options.onReload?.({ ok: true, status, digest: this.digest }),
      (cause: unknown) => {
        const error =
          cause instanceof PolicyError
            ? cause
            : new PolicyError('POLICY_SOURCE_UNREADABLE', [{ file: this.options.dir, line: 1, column: 1, message: String(cause) }]);
        this.options.onReload?.({ ok: false, error });
      },
    );
  }

  /** Stops watching. Decisions keep working with the set in force. */
  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }
}

/** Bump when compilePolicySet's checks change, so verdicts of the old checks stop counting. */
const POLICY_CHECKS_VERSION = '1';

/** Everything the checks' outcome depends on: the sources (with the paths problems name), Cedar, our checks. */
export function policyVerdictKey(sources: PolicySources): string {
  return verdictKey(['policy-set', POLICY_CHECKS_VERSION, getCedarVersion(), getCedarSDKVersion(), contractSamplesDigest(), JSON.stringify(sources)]);
}

function provenVerdictOf(payload: unknown): ProvenVerdict | undefined {
  if (typeof payload !== 'object' || payload === null || !('warnings' in payload) || !Array.isArray(payload.warnings)) return undefined;
  const sound = payload.warnings.every(
    (w: unknown) =>
      typeof w === 'object' &&
      w !== null &&
      'file' in w &&
      typeof w.file === 'string' &&
      'line' in w &&
      Number.isInteger(w.line) &&
      'column' in w &&
      Number.isInteger(w.column) &&
      'message' in w &&
      typeof w.message === 'string',
  );
  return sound ? { warnings: payload.warnings as PolicyProblem[] } : undefined;
}

/**
 * Compiles sources and checks that the schema accepts the requests the engine builds. A verdict
 * remembered for exactly these sources skips the Cedar checks; a fresh success is remembered.
 */
function prepare(sources: PolicySources, verdicts: VerdictCache): CompiledPolicySet {
  const key = policyVerdictKey(sources);
  const proven = verdicts.read(key, provenVerdictOf);
  if (proven !== undefined) return compilePolicySet(sources, proven);
  const compiled = compilePolicySet(sources);
  const problems = requestContractProblems(compiled.schemaText, sources.schema.file);
  if (problems.length > 0) throw new PolicyError('POLICY_SCHEMA_INVALID', problems);
  verdicts.write(key, { warnings: compiled.warnings });
  return compiled;
}
