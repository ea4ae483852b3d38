// The broker: the one door from operators to personal data. For each request it resolves the
// operator and where they physically are, checks that the case is real and concerns the
// subjects, finds the grant that applies, asks the policy engine once per subject and category
// (cached on the attributes the policies read), holds the two-person rule across requests (the
// distinct people an operator read for a purpose over 24 h), writes one access-log entry per decision —
// allowed or denied — durably, and only then releases records, masked as the decision says.
// If the log cannot be written nothing is released (no log, no data). Every check fails closed.
import crypto from 'node:crypto';
import { categories as names, covers, isCategory, unknownCategoryMessage } from '../../cells/categories.js';
import { DomainError } from '../../errors/catalogue.js';
import { PURPOSE_CASE_KINDS, type Case, type CaseSubject } from '../cases/cases.js';
import type { Grant, Grants } from '../grants/grants.js';
import { TWO_APPROVER_THRESHOLD } from '../grants/grants.js';
import type { AccessRecorder } from '../log/access-logs.js';
import type { AccessTally } from './access-tally.repository.js';
import { distinctIds, type AccessEntry } from '../log/entry.js';
import type { Operator } from '../operators/operators.js';
import type { RequestOrigin } from '../operators/origin.js';
import type { PolicyEngine } from '../policy/policy.engine.js';
import { PURPOSES, type AccessRequest, type GrantAttributes, type Purpose } from '../policy/policy.request.js';
import { compileMasker, defaultFieldRules, keyedHash, maskPlan, type FieldRules, type FieldValue, type MaskKind } from './masking.js';
import type { SubjectDataSource, SubjectDataSources, SubjectRecord, SubjectRef } from './subject-data.js';

/** Viewing data from abroad is a transfer: its basis, and its record, come from the transfer gate. */
export interface BrokerTransfers {
  /** Countries this operator may view the subject's data from: `[destination]` when a basis exists. */
  basisCountries(props: { subject: SubjectRef; destination: string; employerId: string; category: string; purpose: string; at: Date }): Promise<readonly string[]>;
  /** Records the transfers durably (one per subject and category) before anything is released. */
  record(items: readonly { subject: SubjectRef; destination: string; employerId: string; category: string; purpose: string; items: number; at: Date }[]): Promise<void>;
}

export interface BrokerRequest {
  readonly operatorId: string;
  readonly origin: RequestOrigin;
  readonly action: 'read';
  readonly purpose: string;
  readonly caseRef: string;
  readonly subjects: readonly string[];
  /** Any categories of the tree (src/cells/categories.ts): a parent covers its children. */
  readonly categories: readonly string[];
  /** Field names wanted; absent means every field of each category. */
  readonly fields?: readonly string[] | undefined;
  /** Only these records (ids), when given. */
  readonly records?: readonly string[] | undefined;
  /** The grant to use; absent means any usable grant of the operator for this purpose and case. */
  readonly grantId?: string | undefined;
}

/** One decision, shared by every subject of one jurisdiction that got the same answer. */
export interface DecisionGroup {
  /** The category decided and released: a source's, or a narrower one asked for. */
  readonly category: string;
  /** The categories the request asked for that this decision answers (`user` for a request for everything). */
  readonly requested: readonly string[];
  readonly jurisdiction: string;
  readonly decision: 'allow' | 'deny';
  /** Policies that decided, plus `broker:` checks that refused before asking them. */
  readonly policyIds: readonly string[];
  /** Why it was refused, in words (missing attributes, a closed case…); empty on allow. */
  readonly reasons: readonly string[];
  readonly grantId: string | null;
  readonly subjects: readonly string[];
  /** How each field is released; null when denied (nothing is). */
  readonly masking: Readonly<Record<string, MaskKind>> | null;
}

export interface Evaluation {
  readonly requestId: string;
  readonly at: string;
  readonly operatorId: string;
  readonly operator: Operator | null;
  readonly origin: RequestOrigin;
  readonly action: 'read';
  readonly purpose: Purpose;
  readonly caseRef: string;
  readonly decision: 'allow' | 'partial' | 'deny';
  readonly groups: readonly DecisionGroup[];
}

export interface ReleasedRecord {
  readonly subjectId: string;
  readonly category: string;
  readonly recordId: string;
  readonly fields: Readonly<Record<string, FieldValue>>;
}

export interface LoggedDecision extends DecisionGroup {
  readonly released: number;
  /** Where each entry of this decision is (one per 1,000 subjects). */
  readonly log: readonly { readonly cellId: string; readonly index: number }[];
}

export interface AccessResult {
  readonly requestId: string;
  readonly at: string;
  readonly operatorId: string;
  readonly origin: RequestOrigin;
  readonly purpose: Purpose;
  readonly caseRef: string;
  readonly decision: 'allow' | 'partial' | 'deny';
  readonly decisions: readonly LoggedDecision[];
  readonly records: readonly ReleasedRecord[];
  /** More records matched than one request releases. */
  readonly truncated: boolean;
}

export interface PolicyState {
  readonly engine: PolicyEngine | null;
  /** Why there is no engine (the policies did not load). */
  readonly problem: string | null;
}

export interface BrokerDeps {
  findOperator(id: string): Promise<Operator | null>;
  /** The directory's subjects by id (unknown ids absent). */
  subjectsOf(ids: readonly string[]): Promise<Map<string, SubjectRef>>;
  findCase(ref: string): Promise<Case | null>;
  grants: Pick<Grants, 'usable' | 'get'>;
  blocked(): readonly string[];
  policy(): PolicyState;
  transfers: BrokerTransfers;
  sources: SubjectDataSources;
  /** The access logs; null for a process that may only ask what-if questions. */
  recorder: AccessRecorder | null;
  /** Every jurisdiction with a log: a request naming ids nobody holds is logged in each. */
  jurisdictions: readonly string[];
  /** Who each operator read, per purpose: the two-person rule counts across requests. */
  tally: Pick<AccessTally, 'subjectsSince' | 'add'>;
  maskKey: Uint8Array;
  fieldRules?: FieldRules;
  now?: () => Date;
  /** Most records one request releases. */
  maxRecords?: number;
}

export interface Broker {
  /** Decides without reading or logging anything: the what-if. */
  evaluate(request: BrokerRequest): Promise<Evaluation>;
  /** Decides, logs every decision durably, then releases the allowed records, masked. */
  access(request: BrokerRequest): Promise<AccessResult>;
}

export const MAX_REQUEST_SUBJECTS = 10_000;
/** The window over which the distinct people one operator reads for one purpose are counted. */
export const TALLY_WINDOW_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_RECORDS = 10_000;
const MAX_SUBJECTS_PER_ENTRY = 1000;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/;


export const REPORTED_CONTENT_CATEGORY = names.message;

/**
 * What one requested category is served as: a source's category (asked as it or as a parent)
 * or a narrower category served by its source cut down to the fields that hold it.
 */
interface Part {
  readonly category: string;
  readonly source: SubjectDataSource;
  /** The source's fields that hold this category. */
  readonly fields: readonly string[];
  /** The categories the request named that led here. */
  readonly requested: string[];
}

/** The category each field of a source holds. */
function fieldCategory(source: SubjectDataSource, field: string): string {
  return source.fieldCategories?.[field] ?? source.category;
}

/**
 * The parts a request's categories are served as. A category outside the tree is refused
 * naming the valid ones; one of which no source holds anything is refused naming what is held.
 */
function partsFor(sources: SubjectDataSources, requested: readonly string[]): Part[] {
  const parts: Part[] = [];
  for (const category of requested) {
    if (!isCategory(category)) {
      throw new DomainError('UNKNOWN_CATEGORY', unknownCategoryMessage(category));
    }
    let served = false;
    for (const source of sources.all()) {
      let part: Part | null = null;
      if (covers(category, source.category)) {
        part = { category: source.category, source, fields: source.fields, requested: [category] };
      } else if (covers(source.category, category)) {
        const fields = source.fields.filter((f) => covers(category, fieldCategory(source, f)));
        if (fields.length > 0) part = { category, source, fields, requested: [category] };
      }
      if (!part) continue;
      served = true;
      const found: Part = part;
      // A part inside another of the same source is answered by that one (and vice versa).
      const wider: Part | undefined = parts.find((p) => p.source === source && covers(p.category, found.category));
      if (wider) {
        if (!wider.requested.includes(category)) wider.requested.push(category);
        continue;
      }
      for (let i = parts.length - 1; i >= 0; i--) {
        const narrower = parts[i] as Part;
        if (narrower.source === source && covers(part.category, narrower.category)) {
          for (const r of narrower.requested) if (!part.requested.includes(r)) part.requested.push(r);
          parts.splice(i, 1);
        }
      }
      parts.push(part);
    }
    if (!served) {
      throw new DomainError('CATEGORY_NOT_HELD', `Domicile holds no data of category ${category} to serve; the broker serves ${sources.categories().join(', ')} and the categories above and below them`);
    }
  }
  // In the order the request named them.
  for (const part of parts) part.requested.sort((a, b) => requested.indexOf(a) - requested.indexOf(b));
  return parts;
}

/**
 * Records released per log entry of a group (one entry per MAX_SUBJECTS_PER_ENTRY of its
 * subjects): every record read for the group when it fits one entry, else counted per entry.
 */
function releasedPerEntry(subjects: readonly string[], rows: readonly SubjectRecord[]): number[] {
  if (subjects.length <= MAX_SUBJECTS_PER_ENTRY) return [rows.length];
  // Sources mostly return records in the order of the subjects asked for: then one walk along
  // both counts them, no map of 10,000 ids built. Any other order is counted through the map.
  const walked = new Array<number>(Math.ceil(subjects.length / MAX_SUBJECTS_PER_ENTRY)).fill(0);
  let at = 0;
  let inOrder = true;
  for (const row of rows) {
    while (at < subjects.length && subjects[at] !== row.subjectId) at++;
    if (at === subjects.length) {
      inOrder = false;
      break;
    }
    const entry = Math.floor(at / MAX_SUBJECTS_PER_ENTRY);
    walked[entry] = (walked[entry] ?? 0) + 1;
  }
  if (inOrder) return walked;
  const entryOf = new Map<string, number>();
  for (let i = 0; i < subjects.length; i++) entryOf.set(subjects[i] as string, Math.floor(i / MAX_SUBJECTS_PER_ENTRY));
  const counts = new Array<number>(Math.ceil(subjects.length / MAX_SUBJECTS_PER_ENTRY)).fill(0);
  for (const row of rows) {
    const entry = entryOf.get(row.subjectId);
    if (entry !== undefined) counts[entry] = (counts[entry] ?? 0) + 1;
  }
  return counts;
}

/** The categories a part releases, each of which the policies decide on. */
function decidedCategories(part: Part, fields: readonly string[]): string[] {
  const released = [...new Set(fields.map((f) => fieldCategory(part.source, f)).filter((c) => covers(part.category, c)))];
  return released.length > 0 ? released : [part.category];
}

const COUNTRY = /^[A-Z]{2}$/;
const ENTITY = /^[\p{L}\p{N}][\p{L}\p{N} .,&'()-]{0,119}$/u;

/**
 * An operator attribute as the log may hold it: a damaged value (which already made the policy
 * engine refuse) is recorded as unknown rather than making the refusal itself unrecordable.
 */
function loggable(value: string | null | undefined, pattern: RegExp): string | null {
  return typeof value === 'string' && pattern.test(value) ? value : null;
}

function invalid(message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message);
}

interface Verdict {
  decision: 'allow' | 'deny';
  policyIds: readonly string[];
  reasons: readonly string[];
  grantId: string | null;
  /** Fields granted in clear beyond the rules; null means all. */
  clear: ReadonlySet<string> | null;
}

function refusal(policyId: string, reason: string): Verdict {
  return { decision: 'deny', policyIds: [policyId], reasons: [reason], grantId: null, clear: new Set() };
}

interface CasePeople {
  /** Every person the case concerns. */
  readonly concerned: ReadonlySet<string>;
  /** Those it names as reported. */
  readonly reported: ReadonlySet<string>;
}

const noPeople: CasePeople = { concerned: new Set(), reported: new Set() };
// Per list of a case's people: the case store hands back the same list while the case is
// unchanged (cases.ts), so a bulk read citing one case builds its sets once, not per request.
const peopleSetsOf = new WeakMap<readonly CaseSubject[], CasePeople>();

function peopleSets(subjects: readonly CaseSubject[]): CasePeople {
  let sets = peopleSetsOf.get(subjects);
  if (!sets) {
    const concerned = new Set<string>();
    const reported = new Set<string>();
    for (const s of subjects) {
      concerned.add(s.id);
      if (s.role === 'reported') reported.add(s.id);
    }
    sets = { concerned, reported };
    peopleSetsOf.set(subjects, sets);
  }
  return sets;
}

export function createBroker(deps: BrokerDeps): Broker {
  const now = deps.now ?? (() => new Date());
  const rules = deps.fieldRules ?? defaultFieldRules;
  const maxRecords = deps.maxRecords ?? DEFAULT_MAX_RECORDS;

  function checkShape(request: BrokerRequest): { purpose: Purpose; subjects: string[]; parts: Part[] } {
    if (request.action !== 'read') throw invalid('only action "read" is served by the broker');
    if (!(PURPOSES as readonly string[]).includes(request.purpose)) throw invalid(`purpose must be one of ${PURPOSES.join(', ')}`);
    if (!ID.test(request.caseRef)) throw invalid('caseRef must name a case, e.g. T-1001');
    if (!ID.test(request.operatorId)) throw invalid('operator ids are letters, digits and - _ . : @ /');
    // Once each, in the order asked.
    const subjects = [...distinctIds(request.subjects)];
    if (subjects.length === 0 || subjects.length > MAX_REQUEST_SUBJECTS) throw invalid(`name 1–${MAX_REQUEST_SUBJECTS} subjects`);
    const badSubject = subjects.find((s) => !ID.test(s));
    if (badSubject !== undefined) throw invalid(`"${badSubject.slice(0, 40)}" is not a subject id`);
    if (request.categories.length === 0 || request.categories.length > 16) throw invalid('name 1–16 data categories');
    if ((request.fields?.length ?? 0) > 64 || request.fields?.some((f) => !FIELD.test(f))) throw invalid('fields are up to 64 field names such as email or text');
    if ((request.records?.length ?? 0) > maxRecords || request.records?.some((r) => !ID.test(r))) throw invalid(`records are up to ${maxRecords} record ids`);
    if (request.grantId !== undefined && !ID.test(request.grantId)) throw invalid('grantId must be a grant id');
    const parts = partsFor(deps.sources, request.categories);
    return { purpose: request.purpose as Purpose, subjects, parts };
  }

  // The people of each grant used lately, as a set. A grant's people are fixed when it is
  // requested (approval, expiry and revocation change only its status and times) and its random
  // id is never reused, so a bulk read under one grant builds the set of its 10,000 people once.
  const grantPeople = new Map<string, { readonly count: number; readonly set: ReadonlySet<string> }>();
  const GRANTS_KEPT = 32;

  function peopleOfGrant(grant: Grant): ReadonlySet<string> {
    const kept = grantPeople.get(grant.id);
    if (kept?.count === grant.subjects.length) return kept.set;
    const set = new Set(grant.subjects);
    grantPeople.delete(grant.id);
    if (grantPeople.size >= GRANTS_KEPT) grantPeople.delete(grantPeople.keys().next().value as string);
    grantPeople.set(grant.id, { count: grant.subjects.length, set });
    return set;
  }

  function fieldsFor(part: Part, requested: readonly string[] | undefined): string[] {
    return requested === undefined ? [...part.fields] : part.fields.filter((f) => requested.includes(f));
  }

  function grantUsable(grant: Grant, request: BrokerRequest): boolean {
    return (
      grant.status === 'approved' &&
      grant.requesterId === request.operatorId &&
      grant.purpose === request.purpose &&
      grant.caseRef === request.caseRef &&
      grant.requestedLocation === request.origin.country
    );
  }

  interface Assessment {
    evaluation: Evaluation;
    found: Case | null;
    subjectsById: ReadonlyMap<string, SubjectRef>;
    /** The part each decision group answers. */
    partOf: ReadonlyMap<DecisionGroup, Part>;
    /** Each group's subjects as the directory has them, in the order of its ids. */
    refsOf: ReadonlyMap<DecisionGroup, readonly SubjectRef[]>;
  }

  async function assess(request: BrokerRequest): Promise<Assessment> {
    const { purpose, subjects: subjectIds, parts } = checkShape(request);
    // Per part: its fields, and the categories the policies decide on for it.
    const planned = parts.map((part) => {
      const fields = fieldsFor(part, request.fields);
      return { part, fields, decided: decidedCategories(part, fields) };
    });
    const grantCovers = (grant: Grant, decided: readonly string[]): boolean => decided.every((c) => grant.categories.some((p) => covers(p, c)));
    const requestId = `acc-${crypto.randomBytes(8).toString('hex')}`;
    const known = await deps.subjectsOf(subjectIds);
    // An id nobody holds is refused exactly like a person outside the case, so the answer never
    // tells an operator whether someone exists; the probe is logged in every jurisdiction.
    const subjects: SubjectRef[] = [];
    for (const id of subjectIds) {
      const subject = known.get(id);
      if (subject) subjects.push(subject);
    }
    const unknownIds = subjects.length < subjectIds.length;
    const operator = await deps.findOperator(request.operatorId);
    const { engine, problem } = deps.policy();
    const found = await deps.findCase(request.caseRef);
    const { concerned, reported } = found ? peopleSets(found.subjects) : noPeople;
    const blocked = deps.blocked();
    // Timed when the cut-off was read, so the log orders the decision truly against a block,
    // which is logged as of the moment it took effect (cutoff.ts).
    const at = now();

    // Refusals that apply to the whole request, before any policy is asked.
    let whole: Verdict | null = null;
    if (!operator || operator.disabled) whole = refusal('broker:unknown-operator', `no active operator "${request.operatorId}"`);
    else if (!engine) whole = refusal('broker:policy-unavailable', `the access policies are not loaded${problem ? `: ${problem}` : ''}`);
    else if (!found) whole = refusal('broker:unknown-case', `no case ${request.caseRef}; name a real support ticket or abuse report`);
    else if (found.status === 'pending') whole = refusal('broker:case-unconfirmed', `case ${found.ref} was opened by staff and is not yet confirmed by the person or approved by a second operator`);
    else if (found.status !== 'open') whole = refusal('broker:case-closed', `case ${found.ref} is closed`);
    else if (!PURPOSE_CASE_KINDS[purpose].includes(found.kind)) whole = refusal('broker:case-purpose', `purpose ${purpose} needs a ${PURPOSE_CASE_KINDS[purpose].join(' or ')} case; ${found.ref} is a ${found.kind} case`);
    // One refusal for the whole request, naming nobody: which of the named people the case does
    // not concern (or who does not exist) is exactly what a probing operator wants to learn.
    else if (unknownIds || subjects.some((s) => !concerned.has(s.id))) whole = refusal('broker:case-scope', `case ${request.caseRef} does not concern every subject named`);

    let candidates: Grant[] = [];
    if (!whole && operator) {
      if (request.grantId !== undefined) {
        const grant = await deps.grants.get(request.grantId);
        // A named grant must decide the whole request, or the request is refused: the log never
        // names a grant that did not decide the access.
        const people = grant !== null && grantUsable(grant, request) ? peopleOfGrant(grant) : null;
        const fits = grant !== null && people !== null && subjects.every((s) => people.has(s.id)) && planned.every(({ decided }) => grantCovers(grant, decided));
        if (grant && fits) candidates = [grant];
        else whole = refusal('broker:unusable-grant', `grant ${request.grantId} cannot be used here: name your own approved, unexpired grant for this purpose, case and location that covers every subject and category asked for`);
      } else {
        candidates = await deps.grants.usable({ operatorId: operator.id, purpose, caseRef: request.caseRef });
      }
    }
    const usable = candidates.filter((g) => grantUsable(g, request)).map((g) => ({ grant: g, subjects: peopleOfGrant(g) }));

    // The two-person rule holds across requests: the people this operator read for this purpose
    // over the window, with this request's, beyond the threshold need a two-approver grant.
    // Only whether the count passes the threshold matters: a request that passes it alone needs
    // no look back, and otherwise threshold + 1 earlier people are enough to know.
    let tallied = subjects.length;
    if (!whole && operator && subjects.length <= TWO_APPROVER_THRESHOLD) {
      const earlier = await deps.tally.subjectsSince({ operatorId: operator.id, purpose, since: new Date(at.getTime() - TALLY_WINDOW_MS), limit: TWO_APPROVER_THRESHOLD + 1 });
      for (const s of subjects) earlier.add(s.id);
      tallied = earlier.size;
    }
    if (!whole && tallied > TWO_APPROVER_THRESHOLD) {
      const covering = usable.find(
        ({ grant, subjects: set }) =>
          grant.requiredApprovals >= 2 &&
          grant.approvals.filter((a) => a.decision === 'approve').length >= 2 &&
          subjects.every((s) => set.has(s.id)) &&
          planned.every(({ decided }) => grantCovers(grant, decided)),
      );
      if (!covering) {
        whole = refusal(
          'broker:two-approvers',
          `more than ${TWO_APPROVER_THRESHOLD} people within 24 hours for ${purpose} (at least ${tallied} with this request) need a grant approved by two approvers that covers every one named`,
        );
      }
    }

    // Bases for viewing from abroad, asked once per subject and category before deciding.
    const bases = new Map<string, readonly string[]>();
    const country = request.origin.country;
    if (!whole && operator && country !== null) {
      const abroad = parts.flatMap(({ category }) => subjects.filter((s) => s.home !== country).map((subject) => ({ subject, category })));
      const answers = await Promise.all(
        abroad.map(({ subject, category }) =>
          deps.transfers.basisCountries({ subject, destination: country, employerId: operator.employer.id, category, purpose, at }).catch(() => [] as readonly string[]),
        ),
      );
      abroad.forEach(({ subject, category }, i) => bases.set(`${subject.id}\u0000${category}`, answers[i] ?? []));
    }

    const simulatedMark = request.origin.simulated ? ['demo:simulated-address'] : [];
    // A decision depends only on the attributes the policies read. Unless they read the
    // subject's own id, every subject with the same jurisdiction, class, grant and transfer
    // basis gets the same answer, so it is asked once per such class within this request.
    const perSubject = engine ? engine.readAttributes.some((a) => a === 'resource' || a === '*') : true;
    const noBasis: readonly string[] = [];
    const none: GrantChoice = { grant: null, clear: new Set() };
    const implicit: GrantChoice | null =
      purpose === 'ABUSE_REPORT' && found?.kind === 'abuse' ? { grant: { id: `case:${found.ref}`, approved: true }, clear: null } : null;
    // Subjects who get the same answer share one group (and one log entry per 1,000 of them).
    const list: (Omit<DecisionGroup, 'subjects'> & { subjects: string[] })[] = [];
    const partOf = new Map<DecisionGroup, Part>();
    const refsOf = new Map<DecisionGroup, SubjectRef[]>();

    for (const { part, fields, decided } of planned) {
      const category = part.category;
      const recordsOutsideCase =
        found?.kind === 'abuse' && covers(names.content, category) && request.records !== undefined && request.records.some((r) => !found.records.includes(r))
          ? refusal('broker:case-scope', `abuse report ${request.caseRef} covers only the reported message`)
          : null;
      // The grants that cover this category, each with the choice it makes (built once).
      const covering = usable
        .filter(({ grant }) => grantCovers(grant, decided))
        .map(({ grant, subjects: set }) => ({ set, choice: { grant: { id: grant.id, approved: true }, clear: grant.fields.length === 0 ? null : new Set(grant.fields) } as GrantChoice }));
      const reportedContent = implicit !== null && category === REPORTED_CONTENT_CATEGORY ? implicit : null;
      const memo = new Map<GrantChoice, Map<string, Verdict>>();
      const groups = new Map<Verdict, Map<string, (typeof list)[number]>>();
      // The previous subject's class and group: the subjects of a bulk read are mostly alike, so
      // most of them join the group before them without a key built or looked up.
      let previous: { choice: GrantChoice; home: string; class: string; group: (typeof list)[number]; refs: SubjectRef[] } | null = null;
      for (const subject of subjects) {
        let verdict: Verdict;
        let choice: GrantChoice | null = null;
        if (whole) {
          verdict = whole;
        } else if (recordsOutsideCase) {
          verdict = recordsOutsideCase;
        } else {
          // No key built per subject when nobody is viewed from abroad (the usual bulk read).
          const transferBasisCountries = bases.size === 0 ? noBasis : (bases.get(`${subject.id}\u0000${category}`) ?? noBasis);
          // The report itself is the grant for the reported message, for the reported person only.
          choice = none;
          for (const c of covering) {
            if (c.set.has(subject.id)) {
              choice = c.choice;
              break;
            }
          }
          if (choice === none && reportedContent && reported.has(subject.id)) choice = reportedContent;
          if (previous && previous.choice === choice && previous.home === subject.home && previous.class === subject.class) {
            previous.group.subjects.push(subject.id);
            previous.refs.push(subject);
            continue;
          }
          const key = perSubject ? subject.id : `${subject.home}\u0000${subject.class}\u0000${transferBasisCountries === noBasis ? '' : transferBasisCountries.join(',')}`;
          let byKey = memo.get(choice);
          if (!byKey) {
            byKey = new Map();
            memo.set(choice, byKey);
          }
          let memoised = byKey.get(key);
          if (!memoised) {
            memoised = decideAll({ engine: engine as PolicyEngine, operator: operator as Operator, request, purpose, subject, categories: decided, choice, blocked, transferBasisCountries });
            byKey.set(key, memoised);
          }
          verdict = memoised;
        }
        let byHome = groups.get(verdict);
        if (!byHome) {
          byHome = new Map();
          groups.set(verdict, byHome);
        }
        let group = byHome.get(subject.home);
        let refs = group ? refsOf.get(group) : undefined;
        if (!group || !refs) {
          group = {
            category,
            requested: [...part.requested],
            jurisdiction: subject.home,
            decision: verdict.decision,
            policyIds: [...verdict.policyIds, ...simulatedMark],
            reasons: verdict.reasons,
            grantId: verdict.grantId,
            subjects: [],
            // Masks are written per source, so a narrower part uses its source's rules.
            masking: verdict.decision === 'allow' ? maskPlan({ rules, category: part.source.category, fields, clear: verdict.clear }) : null,
          };
          byHome.set(subject.home, group);
          list.push(group);
          partOf.set(group, part);
          refs = [];
          refsOf.set(group, refs);
        }
        group.subjects.push(subject.id);
        refs.push(subject);
        // Only a class-wide verdict may be reused for the next subject without asking.
        previous = choice !== null && !perSubject && bases.size === 0 ? { choice, home: subject.home, class: subject.class, group, refs } : null;
      }
      if (unknownIds && whole) {
        // Ids nobody holds: one entry, naming no one, in every jurisdiction's log.
        for (const jurisdiction of deps.jurisdictions) {
          const group = { category, requested: [...part.requested], jurisdiction, decision: 'deny' as const, policyIds: [...whole.policyIds, ...simulatedMark], reasons: whole.reasons, grantId: null, subjects: [], masking: null };
          list.push(group);
          partOf.set(group, part);
        }
      }
    }
    const allowed = list.filter((g) => g.decision === 'allow').length;
    const evaluation: Evaluation = {
      requestId,
      at: at.toISOString(),
      operatorId: request.operatorId,
      operator,
      origin: request.origin,
      action: 'read',
      purpose,
      caseRef: request.caseRef,
      decision: allowed === 0 ? 'deny' : allowed === list.length ? 'allow' : 'partial',
      groups: list,
    };
    return { evaluation, found, subjectsById: known, partOf, refsOf };
  }

  interface GrantChoice {
    grant: GrantAttributes | null;
    /** Fields granted in clear beyond the rules; null means all. */
    clear: ReadonlySet<string> | null;
  }

  async function evaluate(request: BrokerRequest): Promise<Evaluation> {
    return (await assess(request)).evaluation;
  }

  /**
   * The policies decide on each category a part releases (`user.contact` as e-mail and phone
   * number), so a policy written for a leaf holds when a parent is asked. All must allow; one
   * refusal refuses the part (fail closed), naming the policies that refused.
   */
  function decideAll(props: Omit<Parameters<typeof decide>[0], 'category'> & { categories: readonly string[] }): Verdict {
    const verdicts = props.categories.map((category) => decide({ ...props, category }));
    if (verdicts.length === 1) return verdicts[0] as Verdict;
    const denied = verdicts.filter((v) => v.decision === 'deny');
    const chosen = denied.length > 0 ? denied : verdicts;
    return {
      decision: denied.length > 0 ? 'deny' : 'allow',
      policyIds: [...new Set(chosen.flatMap((v) => v.policyIds))],
      reasons: [...new Set(chosen.flatMap((v) => v.reasons))],
      grantId: (chosen[0] as Verdict).grantId,
      clear: denied.length > 0 ? new Set() : (chosen[0] as Verdict).clear,
    };
  }

  function decide(props: {
    engine: PolicyEngine;
    operator: Operator;
    request: BrokerRequest;
    purpose: Purpose;
    subject: SubjectRef;
    category: string;
    choice: GrantChoice;
    blocked: readonly string[];
    transferBasisCountries: readonly string[];
  }): Verdict {
    const { operator, request, subject, category } = props;
    const { grant, clear } = props.choice;
    const accessRequest: AccessRequest = {
      operator: { id: operator.id, employer: { entity: operator.employer.entity, country: operator.employer.country }, officeCountry: operator.officeCountry, roles: operator.roles },
      action: 'read',
      subject: { id: subject.id, jurisdiction: subject.home, class: subject.class },
      category,
      physicalCountry: request.origin.country,
      purpose: props.purpose,
      grant,
      transferBasisCountries: props.transferBasisCountries,
      blockedJurisdictions: props.blocked,
    };
    const decision = props.engine.decide(accessRequest);
    if (decision.errors.length > 0) {
      return { decision: 'deny', policyIds: [...decision.policyIds, 'broker:fail-closed'], reasons: [...decision.errors], grantId: null, clear: new Set() };
    }
    return {
      decision: decision.decision,
      policyIds: decision.policyIds,
      reasons: decision.decision === 'deny' ? decision.policyIds.map((id) => `policy ${id} forbids it`) : [],
      // The log names a grant only when an approved one covering this subject and category
      // decided the access (it is what lets the content through, or the fields out in clear).
      grantId: decision.decision === 'allow' && grant?.approved === true ? grant.id : null,
      clear: decision.decision === 'allow' ? clear : new Set(),
    };
  }

  // One request at a time per operator and purpose, so two at once cannot both pass the count.
  const lanes = new Map<string, Promise<unknown>>();
  function access(request: BrokerRequest): Promise<AccessResult> {
    const lane = `${request.operatorId}\u0000${request.purpose}`;
    const run = (lanes.get(lane) ?? Promise.resolve()).catch(() => undefined).then(() => accessNow(request));
    lanes.set(lane, run);
    void run.finally(() => {
      if (lanes.get(lane) === run) lanes.delete(lane);
    }).catch(() => undefined);
    return run;
  }

  async function accessNow(request: BrokerRequest): Promise<AccessResult> {
    const recorder = deps.recorder;
    if (!recorder) throw new DomainError('LOG_UNAVAILABLE', 'this process has no access log open, so it cannot release data');
    const { evaluation, found, subjectsById: subjectRefs, partOf, refsOf } = await assess(request);

    // Read what is allowed first, so each entry can say exactly how many records it released;
    // nothing leaves this function before every entry is durable.
    let remaining = maxRecords;
    let truncated = false;
    const read = new Map<DecisionGroup, SubjectRecord[]>();
    for (const group of evaluation.groups) {
      if (group.decision !== 'allow') continue;
      const source = partOf.get(group)?.source;
      if (source && found && source.category === names.supportCase) {
        // A case read releases the cited case only, never the person's other tickets or reports.
        const only = request.records === undefined || request.records.includes(found.ref) ? [found.ref] : [];
        const rows = only.length > 0 && remaining > 0 ? await source.read({ subjects: refsOf.get(group) ?? [], records: only, limit: remaining }) : [];
        remaining -= rows.length;
        read.set(group, rows);
        continue;
      }
      if (!source || remaining <= 0) {
        truncated ||= remaining <= 0;
        read.set(group, []);
        continue;
      }
      // An abuse report's reported content is read only as the reported records.
      const caseRecords = found?.kind === 'abuse' && covers(names.content, group.category) ? found.records : undefined;
      const records = request.records ?? caseRecords;
      const rows = await source.read({
        subjects: refsOf.get(group) ?? [],
        records: caseRecords && records ? records.filter((r) => caseRecords.includes(r)) : records,
        limit: remaining + 1,
      });
      if (rows.length > remaining) {
        truncated = true;
        rows.length = remaining;
      }
      remaining -= rows.length;
      read.set(group, rows);
    }

    const entries: { group: DecisionGroup; entry: AccessEntry }[] = [];
    for (const group of evaluation.groups) {
      const rows = read.get(group) ?? [];
      const released = group.decision === 'allow' ? releasedPerEntry(group.subjects, rows) : [];
      const part = partOf.get(group);
      const fields = group.masking ? Object.keys(group.masking) : part ? fieldsFor(part, request.fields) : [];
      // A group naming no one (a probe for ids nobody holds) still leaves one entry.
      for (let i = 0; i < Math.max(group.subjects.length, 1); i += MAX_SUBJECTS_PER_ENTRY) {
        const chunk = group.subjects.slice(i, i + MAX_SUBJECTS_PER_ENTRY);
        entries.push({
          group,
          entry: {
            eventId: `${evaluation.requestId}-${entries.length}`,
            time: evaluation.at,
            actor: evaluation.operatorId,
            actorEmployer: loggable(evaluation.operator?.employer.entity, ENTITY),
            actorEmployerCountry: loggable(evaluation.operator?.employer.country, COUNTRY),
            actorOfficeCountry: loggable(evaluation.operator?.officeCountry, COUNTRY),
            actorPhysicalCountry: loggable(evaluation.origin.country, COUNTRY),
            subjectJurisdiction: group.jurisdiction,
            subjects: chunk,
            categories: [group.category],
            requestedCategories: [...group.requested],
            fields,
            action: evaluation.action,
            purpose: evaluation.purpose,
            caseRef: evaluation.caseRef,
            grantId: group.grantId,
            decision: group.decision,
            policyIds: [...group.policyIds],
            released: released[i / MAX_SUBJECTS_PER_ENTRY] ?? 0,
          },
        });
      }
    }
    let recorded: { cellId: string; index: number }[];
    try {
      // Counted before anything is logged as released: a failure here over-counts, never under.
      const allowedGroups = evaluation.groups.filter((g) => g.decision === 'allow');
      // A group names each of its people once; only several groups (categories) can repeat one.
      const allowed = allowedGroups.length === 1 ? (allowedGroups[0] as DecisionGroup).subjects : [...new Set(allowedGroups.flatMap((g) => g.subjects))];
      await deps.tally.add({ operatorId: evaluation.operatorId, purpose: evaluation.purpose, subjects: allowed, at: new Date(evaluation.at) });
      recorded = await Promise.all(entries.map(({ entry }) => recorder.recordAccess(entry)));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new DomainError('LOG_UNAVAILABLE', `the access could not be logged, so nothing is released: ${why}`);
    }
    // Released from abroad: a transfer per subject, on record before anything leaves (invariant 3).
    const viewer = evaluation.origin.country;
    if (viewer !== null && evaluation.operator) {
      const transfers = [];
      for (const group of evaluation.groups) {
        if (group.decision !== 'allow' || group.jurisdiction === viewer) continue;
        const counts = new Map<string, number>();
        for (const row of read.get(group) ?? []) counts.set(row.subjectId, (counts.get(row.subjectId) ?? 0) + 1);
        for (const [subjectId, items] of counts) {
          transfers.push({ subject: subjectRefs.get(subjectId) as SubjectRef, destination: viewer, employerId: evaluation.operator.employer.id, category: group.category, purpose: evaluation.purpose, items, at: new Date(evaluation.at) });
        }
      }
      if (transfers.length > 0) await deps.transfers.record(transfers);
    }

    const records: ReleasedRecord[] = [];
    const decisions: LoggedDecision[] = [];
    for (const group of evaluation.groups) {
      const rows = read.get(group) ?? [];
      if (group.masking) {
        const mask = compileMasker(group.masking, deps.maskKey);
        const masked = Object.keys(group.masking).filter((field) => group.masking?.[field] !== 'clear');
        for (const row of rows) records.push({ subjectId: row.subjectId, category: group.category, recordId: releasedId(row, masked), fields: mask(row.values) });
      }
      const log = entries.flatMap(({ group: g }, i) => (g === group ? [recorded[i] as { cellId: string; index: number }] : []));
      decisions.push({ ...group, released: rows.length, log });
    }
    return {
      requestId: evaluation.requestId,
      at: evaluation.at,
      operatorId: evaluation.operatorId,
      origin: evaluation.origin,
      purpose: evaluation.purpose,
      caseRef: evaluation.caseRef,
      decision: evaluation.decision,
      decisions,
      records,
      truncated,
    };
  }

  /**
   * A record's id goes out as is unless a masked field (of `masked`) holds the same value (a case's `ref`):
   * then it goes out as a keyed hash too, so nothing masked is repeated in clear beside it.
   */
  function releasedId(row: SubjectRecord, masked: readonly string[]): string {
    for (const field of masked) if (row.values[field] === row.recordId) return keyedHash(deps.maskKey, 'recordId', row.recordId) ?? '';
    return row.recordId;
  }

  return { evaluate, access };
}
