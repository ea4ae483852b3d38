// The operator console's calls to /v1/ops/… over the shared HTTP client (web/src/http.ts): it holds
// the operator token for this tab only (sessionStorage, never shared with the chat app) and sends
// the demo-mode simulated source address header when one was chosen. Failures are the shared
// ApiError, carrying the server's stable code, message and details (a broker refusal's decisions).
import { HttpClient, type RequestOptions } from '../http.js';
import type {
  AccessRequest,
  AccessResult,
  CaseSummary,
  DataMap,
  Grant,
  GrantRequest,
  GrantStatus,
  Incident,
  IncidentReport,
  LogStatus,
  MeResult,
  NoticeHistories,
  OpenIncidentInput,
  Operator,
  NewOperatorInput,
  NoticeDraftCheck,
  PolicyDiffEntry,
  PolicyDraftCheck,
  PolicyFile,
  PolicyStatus,
  WhatIfAnswer,
  WhatIfQuestion,
  RecipientView,
  ReportStage,
  SignInResult,
  StaffCaseKind,
} from './types.js';
import type { MigrationJob, MigrationJobView, MigrationPlan, MigrationRequestView, MoveInput, PlacementView, StartResult } from './migration.types.js';

export const SIMULATED_ADDRESS_HEADER = 'X-Domicile-Simulated-Address';
const SESSION_KEY = 'domicile.ops.session';

/** The token and the simulated address survive a reload of this tab, nothing more. */
export interface StoredSession {
  token: string;
  simulatedAddress: string | null;
}

export function loadSession(): StoredSession | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { token, simulatedAddress } = parsed as { token?: unknown; simulatedAddress?: unknown };
    if (typeof token !== 'string') return null;
    return { token, simulatedAddress: typeof simulatedAddress === 'string' ? simulatedAddress : null };
  } catch {
    return null;
  }
}

export function saveSession(session: StoredSession | null): void {
  try {
    if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(SESSION_KEY);
  } catch {
    /* storage disabled: the session lasts as long as the page */
  }
}

export class OpsClient {
  token: string | null = null;
  /** Demo mode only: the public address this console appears to come from. */
  simulatedAddress: string | null = null;

  private readonly http: HttpClient;

  constructor(baseUrl = '') {
    this.http = new HttpClient({
      baseUrl,
      getToken: () => this.token,
      extraHeaders: (): Record<string, string> => (this.simulatedAddress ? { [SIMULATED_ADDRESS_HEADER]: this.simulatedAddress } : {}),
    });
  }

  private call<T>(method: NonNullable<RequestOptions['method']>, path: string, body?: unknown): Promise<T> {
    return this.http.json<T>(path, body === undefined ? { method } : { method, body: { json: body } });
  }

  signIn(input: { operatorId: string; password: string; code: string }): Promise<SignInResult> {
    return this.call('POST', '/v1/ops/auth/signin', input);
  }
  signOut(): Promise<void> {
    return this.http.empty('/v1/ops/auth/signout', { method: 'POST' });
  }
  me(): Promise<MeResult> {
    return this.call('GET', '/v1/ops/me');
  }
  access(input: AccessRequest): Promise<AccessResult> {
    return this.call('POST', '/v1/ops/access', input);
  }
  cases(filter: { kind?: CaseSummary['kind']; status?: CaseSummary['status'] } = {}): Promise<{ cases: CaseSummary[] }> {
    const q = new URLSearchParams();
    if (filter.kind) q.set('kind', filter.kind);
    if (filter.status) q.set('status', filter.status);
    const query = q.toString();
    return this.call('GET', `/v1/ops/cases${query ? `?${query}` : ''}`);
  }
  /** The case and its people through the broker (logged); a refusal is an ApiError ACCESS_DENIED. */
  caseDetail(ref: string): Promise<AccessResult> {
    return this.call('GET', `/v1/ops/cases/${encodeURIComponent(ref)}`);
  }
  /** Opens a case: pending until another operator approves it. */
  openCase(input: { kind: StaffCaseKind; subjects: string[]; reason: string }): Promise<CaseSummary> {
    return this.call('POST', '/v1/ops/cases', input);
  }
  approveCase(ref: string): Promise<CaseSummary> {
    return this.call('POST', `/v1/ops/cases/${encodeURIComponent(ref)}/approve`);
  }
  closeCase(ref: string): Promise<CaseSummary> {
    return this.call('POST', `/v1/ops/cases/${encodeURIComponent(ref)}/close`);
  }
  moderationQueue(): Promise<{ reports: CaseSummary[] }> {
    return this.call('GET', '/v1/ops/moderation/queue');
  }
  reportedMessage(ref: string): Promise<AccessResult> {
    return this.call('GET', `/v1/ops/moderation/reports/${encodeURIComponent(ref)}/message`);
  }
  grants(filter: { status?: GrantStatus; mine?: boolean } = {}): Promise<{ grants: Grant[] }> {
    const q = new URLSearchParams();
    if (filter.status) q.set('status', filter.status);
    if (filter.mine) q.set('mine', 'true');
    const query = q.toString();
    return this.call('GET', `/v1/ops/grants${query ? `?${query}` : ''}`);
  }
  requestGrant(input: GrantRequest): Promise<Grant> {
    return this.call('POST', '/v1/ops/grants', input);
  }
  grantAction(id: string, action: 'approve' | 'deny' | 'revoke'): Promise<Grant> {
    return this.call('POST', `/v1/ops/grants/${encodeURIComponent(id)}/${action}`);
  }
  blocks(): Promise<{ blocked: string[] }> {
    return this.call('GET', '/v1/ops/blocks');
  }
  block(country: string): Promise<{ blocked: string[] }> {
    return this.call('POST', '/v1/ops/blocks', { country });
  }
  unblock(country: string): Promise<{ blocked: string[] }> {
    return this.call('DELETE', `/v1/ops/blocks/${encodeURIComponent(country)}`);
  }
  operators(): Promise<{ operators: Operator[] }> {
    return this.call('GET', '/v1/ops/operators');
  }
  incidents(): Promise<{ incidents: Incident[] }> {
    return this.call('GET', '/v1/ops/incidents');
  }
  openIncident(input: OpenIncidentInput): Promise<Incident> {
    return this.call('POST', '/v1/ops/incidents', input);
  }
  incidentReport(id: string, stage: ReportStage): Promise<IncidentReport> {
    return this.call('GET', `/v1/ops/incidents/${encodeURIComponent(id)}/report?stage=${stage}`);
  }
  logs(): Promise<{ logs: LogStatus[] }> {
    return this.call('GET', '/v1/ops/logs');
  }
  verifyLog(cell: string): Promise<LogStatus> {
    return this.call('POST', `/v1/ops/logs/${encodeURIComponent(cell)}/verify`);
  }
  dataMap(): Promise<DataMap> {
    return this.call('GET', '/v1/ops/data-map');
  }
  recipients(): Promise<{ at: string; recipients: RecipientView[] }> {
    return this.call('GET', '/v1/ops/recipients');
  }
  notices(): Promise<NoticeHistories> {
    return this.call('GET', '/v1/ops/notices');
  }
  policies(): Promise<PolicyStatus> {
    return this.call('GET', '/v1/ops/policies');
  }
  checkPolicies(files: PolicyFile[]): Promise<PolicyDraftCheck> {
    return this.call('POST', '/v1/ops/policies/check', { files });
  }
  applyPolicies(files: PolicyFile[], baseDigest: string): Promise<{ digest: string; changed: PolicyDiffEntry[] }> {
    return this.call('POST', '/v1/ops/policies/apply', { files, baseDigest });
  }
  whatIf(question: WhatIfQuestion): Promise<WhatIfAnswer> {
    return this.call('POST', '/v1/ops/policies/what-if', question);
  }
  validateNotice(draft: string): Promise<NoticeDraftCheck> {
    return this.call('POST', '/v1/ops/notices/validate', { draft });
  }
  addOperator(input: NewOperatorInput): Promise<{ operator: Operator; totpSecret: string; otpauthUri: string }> {
    return this.call('POST', '/v1/ops/operators', input);
  }
  disableOperator(id: string): Promise<{ operator: Operator; revokedSessions: number; alreadyDisabled: boolean }> {
    return this.call('POST', `/v1/ops/operators/${encodeURIComponent(id)}/disable`);
  }
  /** The report file (PDF, HTML or CSV) as bytes: a link cannot send the operator token. */
  incidentReportFile(id: string, stage: ReportStage, format: 'pdf' | 'html' | 'csv'): Promise<Blob> {
    return this.http.blob(`/v1/ops/incidents/${encodeURIComponent(id)}/report/${format}?stage=${stage}`);
  }
  placement(): Promise<PlacementView> {
    return this.call('GET', '/v1/ops/placement');
  }
  migrations(): Promise<{ jobs: MigrationJobView[] }> {
    return this.call('GET', '/v1/ops/migrations');
  }
  migrationRequests(): Promise<{ requests: MigrationRequestView[] }> {
    return this.call('GET', '/v1/ops/migrations/requests');
  }
  planMigration(input: MoveInput): Promise<MigrationPlan> {
    return this.call('POST', '/v1/ops/migrations/plan', input);
  }
  startMigration(input: MoveInput): Promise<StartResult> {
    return this.call('POST', '/v1/ops/migrations', input);
  }
  decideMigrationRequest(id: string, decision: 'approve' | 'deny'): Promise<{ request: MigrationRequestView; job: MigrationJob } | MigrationRequestView> {
    return this.call('POST', `/v1/ops/migrations/requests/${encodeURIComponent(id)}/${decision}`);
  }
  /** The signed receipt or the manifest of a finished job, as bytes to save. */
  migrationFile(id: string, file: 'receipt' | 'manifest'): Promise<Blob> {
    return this.http.blob(`/v1/ops/migrations/${encodeURIComponent(id)}/${file}`);
  }
}

export const opsApi = new OpsClient();
