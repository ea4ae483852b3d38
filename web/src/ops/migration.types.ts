// What the placement and migration routes answer (src/http/routes/ops.migration.schemas.ts).
export interface PlacementRule {
  home?: string;
  class?: string;
  category: string;
  cell: string;
}

export interface PlacementVersion {
  version: number;
  rules: PlacementRule[];
  staging: PlacementRule[];
  fence: PlacementRule[];
  reason: string;
  createdAt: string;
}

export interface PlacementView {
  cells: { id: string; jurisdiction: string }[];
  current: PlacementVersion;
  versions: PlacementVersion[];
}

export interface MoveInput {
  home: string;
  categories: string[];
  to: string;
  graceSeconds?: number;
}

export interface PlanLine {
  category: string;
  from: string;
  records: number;
  bytes: number;
  subjects: number;
  basis: string;
}

export interface MigrationPlan {
  home: string;
  categories: string[];
  to: string;
  toJurisdiction: string;
  placementVersion: number;
  lines: PlanLine[];
  records: number;
  bytes: number;
  subjects: number;
}

export type MigrationPhase = 'starting' | 'queued' | 'copying' | 'switching' | 'catching-up' | 'shredding' | 'done' | 'aborted' | 'failed';

export interface MigrationJob {
  id: string;
  home: string;
  categories: string[];
  to: string;
  toJurisdiction: string;
  from: string[];
  actor: string;
  graceSeconds: number;
  batches: number;
  phase: MigrationPhase;
  placementBefore: number;
  placementAfter: number | null;
  startedAt: string;
  switchedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface StepCount {
  records: number;
  bytes: number;
}

export interface MigrationJobView {
  job: MigrationJob;
  progress: { total: number; bytes: number; steps: Record<'pending' | 'copied' | 'verified' | 'shredded', StepCount> };
  receipt: boolean;
}

export interface MigrationRequestView {
  id: string;
  home: string;
  categories: string[];
  to: string;
  subjects: number;
  records: number;
  bytes: number;
  graceSeconds: number;
  requestedBy: string;
  requestedAt: string;
  status: 'pending' | 'approved' | 'denied';
  decidedBy: string | null;
  decidedAt: string | null;
  job: string | null;
}

export interface StartResult {
  status: 'started' | 'pending';
  job: MigrationJob | null;
  request: MigrationRequestView | null;
}
