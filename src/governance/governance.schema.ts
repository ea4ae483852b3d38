// Governance's parts of the schema: the access log, cases and transfers in every cell, and the
// operator-access control plane, auditors and incidents in the directory.
import type { CellSchemaPart, DirectorySchemaPart } from '../cells/cell.schema.js';
import { categories } from '../cells/categories.js';
import { migration0003Cases } from './cases/migrations/0003_cases.js';
import { migration0017CaseSubjectsAtHome } from './cases/migrations/0017_case_subjects_at_home.js';
import { migration0002AccessLog } from './log/migrations/0002_access_log.js';
import { migration0010LogOpenings } from './log/migrations/0010_log_openings.js';
import { migration0018LogEventIds } from './log/migrations/0018_log_event_ids.js';
import { migration0025LogSubjectOpenings } from './log/migrations/0025_log_subject_openings.js';
import { migration0002Auditors } from './log/migrations/0002_auditors.js';
import { migration0003OperatorAccess } from './migrations/0003_operator_access.js';
import { migration0009TwoPersonRule } from './migrations/0009_two_person_rule.js';
import { migration0024ChangeEpoch } from './migrations/0024_change_epoch.js';
import { migration0029AccessTallyPerRequest } from './migrations/0029_access_tally_per_request.js';
import { migration0014MigrationJobs } from './migration/migrations/0014_migration_jobs.js';
import { migration0019ServingProcesses } from './migration/migrations/0019_serving_processes.js';
import { migration0021MigrationRequests } from './migration/migrations/0021_migration_requests.js';
import { migration0011Incidents } from './reports/migrations/0011_incidents.js';
import { migration0004Transfers } from './transfers/migrations/0004_transfers.js';
import { migration0022TransferOrigin } from './transfers/migrations/0022_transfer_origin.js';

export const accessLogSchema: CellSchemaPart = {
  name: 'access-log',
  migrations: (cellId) => ({
    '0002_access_log': migration0002AccessLog(cellId),
    '0010_log_openings': migration0010LogOpenings(cellId),
    '0018_log_event_ids': migration0018LogEventIds(cellId),
    '0025_log_subject_openings': migration0025LogSubjectOpenings(cellId),
  }),
};

export const casesSchema: CellSchemaPart = {
  name: 'cases',
  migrations: (cellId) => ({ '0003_cases': migration0003Cases(cellId), '0017_case_subjects_at_home': migration0017CaseSubjectsAtHome(cellId) }),
  personalTables: { case_record: ['ref'], case_subject: ['case_ref', 'subject_id'] },
  tableCategories: { case_record: [categories.supportCase], case_subject: [categories.supportCase] },
};

export const transfersSchema: CellSchemaPart = {
  name: 'transfers',
  migrations: (cellId) => ({ '0004_transfers': migration0004Transfers(cellId), '0022_transfer_origin': migration0022TransferOrigin }),
  personalTables: { consent_event: ['id'], transfer_record: ['id'] },
  tableCategories: { consent_event: [categories.consent], transfer_record: [categories.transferRecord] },
};

export const governanceDirectorySchema: DirectorySchemaPart = {
  name: 'governance',
  migrations: {
    '0002_auditors': migration0002Auditors,
    '0003_operator_access': migration0003OperatorAccess,
    '0009_two_person_rule': migration0009TwoPersonRule,
    '0011_incidents': migration0011Incidents,
    '0014_migration_jobs': migration0014MigrationJobs,
    '0019_serving_processes': migration0019ServingProcesses,
    '0021_migration_requests': migration0021MigrationRequests,
    '0024_change_epoch': migration0024ChangeEpoch,
    '0029_access_tally_per_request': migration0029AccessTallyPerRequest,
  },
};
