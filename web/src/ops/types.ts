// Shapes of the operator API (/v1/ops/…) as the console reads them; see docs/api.md.
import type { MaskKind, OriginLike } from '../format.js';

export const OPERATOR_ROLES = ['support', 'moderator', 'engineer', 'security', 'approver', 'admin', 'privacy-officer'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export const PURPOSES = ['SUPPORT_CASE', 'ABUSE_REPORT', 'INCIDENT_RESPONSE', 'LEGAL_REQUEST', 'SERVICE_OPERATION', 'PAYMENT_SUPPORT'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const SUPPORT_REASONS = ['account', 'login', 'billing', 'privacy', 'other'] as const;
export type SupportReason = (typeof SUPPORT_REASONS)[number];
/** The cases an operator opens, who may open each, and its reasons (src/governance/cases/cases.ts). */
export type StaffCaseKind = 'support' | 'incident' | 'legal';
export const STAFF_CASE_KINDS: readonly { kind: StaffCaseKind; label: string; roles: readonly string[]; reasons: readonly string[] }[] = [
  { kind: 'support', label: 'Support ticket', roles: ['support', 'admin'], reasons: SUPPORT_REASONS },
  { kind: 'incident', label: 'Incident', roles: ['security', 'engineer'], reasons: ['breach', 'outage', 'misuse', 'other'] },
  { kind: 'legal', label: 'Legal request', roles: ['security'], reasons: ['court-order', 'police-request', 'regulator', 'other'] },
];
/** Data categories the console offers (src/cells/categories.ts); the broker also takes any parent, e.g. `user`. */
export const CATEGORIES = ['user.account', 'user.contact', 'user.contact.email', 'user.contact.phone_number', 'user.content.message', 'user.content.media', 'user.support.case', 'user.financial'] as const;

export type Origin = OriginLike;

export interface Operator {
  id: string;
  name: string;
  employer: { id: string; entity: string; country: string; tier: string };
  officeCountry: string;
  roles: OperatorRole[];
  disabled: boolean;
}

export interface OperatorSession {
  id: string;
  operatorId: string;
  country: string | null;
  simulated: boolean;
  createdAt: string;
  expiresAt: string;
}

export interface SignInResult {
  token: string;
  session: OperatorSession;
  operator: Operator;
  origin: Origin;
}

export interface MeResult {
  operator: Operator;
  session: OperatorSession;
  origin: Origin;
  blocked: string[];
}

export type Masking = 'clear' | MaskKind;

export interface Decision {
  category: string;
  jurisdiction: string;
  decision: 'allow' | 'deny';
  policyIds: string[];
  reasons: string[];
  grantId: string | null;
  subjects: string[];
  subjectCount?: number;
  masking: Record<string, Masking> | null;
  released: number;
  log: { cellId: string; index: number }[];
}

export interface ReleasedRecord {
  subjectId: string;
  category: string;
  recordId: string;
  fields: Record<string, unknown>;
}

export interface AccessResult {
  requestId: string;
  at: string;
  operatorId: string;
  origin: Origin;
  purpose: Purpose;
  caseRef: string;
  decision: 'allow' | 'partial' | 'deny';
  decisions: Decision[];
  records: ReleasedRecord[];
  truncated: boolean;
}

/** Why one category was refused: no people and no jurisdictions (the log holds those). */
export interface Refusal {
  category: string;
  policyIds: string[];
  reasons: string[];
}

/** What a refused access carries in `error.details`. */
export interface DeniedDetails {
  requestId: string;
  origin: Origin;
  decisions: Refusal[];
}

export interface AccessRequest {
  purpose: Purpose;
  caseRef: string;
  subjects: string[];
  categories: string[];
  fields?: string[];
  grantId?: string;
}

export type GrantStatus = 'pending' | 'approved' | 'denied' | 'revoked' | 'expired';

export interface Grant {
  id: string;
  requesterId: string;
  subjects: string[];
  categories: string[];
  fields: string[];
  purpose: Purpose;
  caseRef: string;
  durationSeconds: number;
  requestedLocation: string;
  requiredApprovals: number;
  status: GrantStatus;
  createdAt: string;
  approvedAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  endedBy: string | null;
  approvals: { approverId: string; decision: string; at: string }[];
}

export interface GrantRequest {
  subjects: string[];
  categories: string[];
  fields?: string[];
  purpose: Purpose;
  caseRef: string;
  durationMinutes: number;
  requestedLocation: string;
}

export interface CaseSummary {
  ref: string;
  kind: 'support' | 'abuse' | 'incident' | 'legal';
  /** pending: opened by staff, awaiting a second operator's approval (or the person's confirmation). */
  status: 'pending' | 'open' | 'closed';
  reason: string;
  createdAt: string;
  /** Approvals a staff-opened case needs; 0 when the person opened it. */
  requiredApprovals: number;
}

/** An incident (GET /v1/ops/incidents): codes, days and a title, no personal data. */
export interface Incident {
  id: string;
  title: string;
  knownAt: string;
  scope: { home: string; actorOutside: string | null; actorCountry: string | null; employer: string | null; from: string; to: string };
  wrongfulPurpose: boolean;
  createdAt: string;
  createdBy: string;
}

export interface OpenIncidentInput {
  title: string;
  knownAt: string;
  home: string;
  actorOutside?: string;
  actorCountry?: string;
  employer?: string;
  from: string;
  to: string;
  wrongfulPurpose?: boolean;
}

export type ReportStage = 'preliminary' | 'final';

export interface ReportDeadline {
  rule: string;
  to: string;
  authority: string | null;
  stage: string;
  due: string | null;
  stated: string;
  applies: boolean;
  why: string;
  daysLeft: number | null;
  hoursLeft: number | null;
  source: string;
}

/** The incident report, computed by the server from the verified access log. */
export interface IncidentReport {
  generatedAt: string;
  checkpoint: { cell: string; origin: string; size: number; rootHash: string }[];
  entries: number;
  allowedEntries: number;
  deniedEntries: number;
  subjects: number;
  subjectsByCategory: Record<string, number>;
  contentAccessed: boolean;
  actors: { actor: string; employer: string | null; employerCountry: string | null; officeCountry: string | null; physicalCountries: string[]; entries: number; subjects: number }[];
  byMonth: { month: string; entries: number; subjects: number }[];
  categories: Record<string, number>;
  incident: Incident;
  stage: ReportStage;
  reportRequired: boolean;
  deadlines: ReportDeadline[];
  items: { id: string; title: string; text: string; toBeWritten: boolean }[];
}

/** One cell log's status (GET /v1/ops/logs). */
export interface LogStatus {
  cell: string;
  jurisdiction: string;
  origin: string;
  verifierKey: string;
  size: number;
  checkpoint: { size: number; rootHash: string };
  lastVerification: { at: string; ok: boolean; entries: number; checkpoints: number; problem: string | null } | null;
}

/** The data map (GET /v1/ops/data-map): counts per cell and category, accesses by country. */
export interface DataMap {
  generatedAt: string;
  scannedAt: string;
  cells: { id: string; jurisdiction: string; countryName: string; rows: number; blobs: number; blobBytes: number; categories: { category: string; records: number }[]; violations: number }[];
  accessWindow: { since: string; until: string };
  accesses: { home: string; category: string; countries: { country: string; entries: number }[] }[];
}

/** A recipient of personal data and its contract (GET /v1/ops/recipients). */
export interface RecipientView {
  id: string;
  name: string;
  country: string;
  kind: string;
  tier: string;
  role: string;
  handlingCountries: string[];
  hostsCells: string[];
  measuresVersion: number | null;
  conformingSystem: {
    contractOnFile: boolean;
    contractRef: string | null;
    contractDate: string | null;
    coversHomes: string[];
    covers: { operations: ('store' | 'read')[]; categories: string[] }[];
    periodicCheck: { intervalMonths: number; lastDone: string | null; nextDue: string } | null;
  } | null;
  suspended: { since: string; reason: string } | null;
  basis: { valid: boolean; reason: string | null; message: string | null };
  checkOverdue: boolean;
}

export interface NoticeVersion {
  noticeId: string;
  version: number;
  language: string;
  effectiveFrom: string;
  inEffect: boolean;
  homeJurisdiction: string;
  purpose: { code: string; description: string };
  categories: string[];
  destinations: { country: string; countryName: string; recipients: { id: string; name: string }[] }[];
  candidateCountries: string[];
  basis: string;
}

/** Notices with every version (GET /v1/ops/notices) and the files the validator refused. */
export interface NoticeHistories {
  notices: { noticeId: string; current: number | null; versions: NoticeVersion[] }[];
  refused: { source: string; problems: { path: string; code: string; message: string }[] }[];
}

export interface PolicyProblem {
  file: string;
  line: number;
  column: number;
  message: string;
  policyId?: string;
}

/** The Cedar policies in force (GET /v1/ops/policies). */
export interface PolicyStatus {
  inForce: boolean;
  problem: string | null;
  digest: string | null;
  loadedAt: string | null;
  policies: { id: string; effect: 'permit' | 'forbid'; file: string; line: number; text: string }[];
  readAttributes: string[];
  warnings: PolicyProblem[];
  onDisk: { valid: boolean; digest: string | null; sameAsInForce: boolean; problems: PolicyProblem[] } | null;
  schema: string | null;
  files: PolicyFile[];
}

export interface PolicyFile {
  name: string;
  text: string;
}

export interface PolicyDiffEntry {
  id: string;
  change: 'added' | 'removed' | 'changed';
  before: string | null;
  after: string | null;
}

/** A policy change checked against the schema (POST /v1/ops/policies/check). */
export interface PolicyDraftCheck {
  valid: boolean;
  code: string | null;
  digest: string | null;
  problems: PolicyProblem[];
  warnings: PolicyProblem[];
  diff: PolicyDiffEntry[];
}

export interface WhatIfQuestion {
  operatorId: string;
  action: 'read' | 'write';
  subjectHome: string;
  subjectClass: 'consumer' | 'government' | 'business';
  category: string;
  purpose: Purpose;
  country: string;
  grantApproved: boolean;
}

export interface WhatIfAnswer {
  decision: 'allow' | 'deny';
  policyIds: string[];
  errors: string[];
  digest: string;
  blockedJurisdictions: string[];
}

export interface NoticeDraftCheck {
  valid: boolean;
  noticeId: string | null;
  version: number | null;
  problems: { path: string; code: string; message: string }[];
}

export interface NewOperatorInput {
  id: string;
  name: string;
  employer: string;
  employerCountry: string;
  officeCountry: string;
  roles: OperatorRole[];
  password: string;
}
