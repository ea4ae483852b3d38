// `domicile report disclosure --subject <id> [--json]` and `domicile report foreign-handling
// [--json] [--since YYYY-MM-DD]`: the same documents as GET /v1/me/disclosure and
// GET /v1/foreign-handling, computed from the running system's state. The disclosure holds a
// person's consents and transfer records, so the CLI reads it as the deployment's local operator
// (purpose DATA_SUBJECT_REQUEST) and prints it only once that read is an entry in the person's
// home log: no log, no data.

import { randomUUID } from 'node:crypto';
import type { Runtime } from '../app/runtime.js';
import { countryName } from '../cells/countries.js';
import { isDomainError } from '../errors/catalogue.js';
import { accessHistoryFromLogs } from '../governance/reports/access-history.js';
import { disclosureReadEntry, renderDisclosure } from '../governance/reports/disclosure.js';
import { renderForeignHandling } from '../governance/reports/foreign-handling.js';
import { gatherDisclosure, gatherForeignHandling } from '../governance/reports/reports.js';
import { categories } from '../cells/records.js';
import type { CliOutput } from './output.js';

export const reportUsage = `  report disclosure --subject <id> [--json]
                                 what is held about a person, where, their consents, transfer records and accesses
  report foreign-handling [--json] [--since YYYY-MM-DD]
                                 where each home's data is stored and from where it was handled (default: last 12 months)`;

export async function runDisclosureReport(props: {
  runtime: Pick<Runtime, 'cells' | 'directory' | 'transfers' | 'logs'>;
  subjectId: string | undefined;
  json: boolean;
  out: CliOutput;
}): Promise<number> {
  const { runtime, out } = props;
  if (props.subjectId === undefined || props.subjectId.trim() === '') {
    out.stderr('usage: domicile report disclosure --subject <id> [--json]');
    return 2;
  }
  try {
    const disclosure = await gatherDisclosure({
      cells: runtime.cells,
      directory: runtime.directory,
      transfers: runtime.transfers,
      accessHistory: accessHistoryFromLogs({ logs: runtime.logs, cells: runtime.cells }),
      subjectId: props.subjectId.trim().toLowerCase(),
    });
    // Rejects (LOG_UNAVAILABLE, …) when the entry is not durable; then nothing is printed.
    await runtime.logs.recordAccess(disclosureReadEntry({ disclosure, eventId: `dsr-${randomUUID()}`, at: runtime.transfers.now() }));
    out.stdout(props.json ? JSON.stringify(disclosure, null, 2) : renderDisclosure(disclosure, countryName));
    return 0;
  } catch (err) {
    if (isDomainError(err) && (err.code === 'NOT_FOUND' || err.code === 'LOG_UNAVAILABLE')) {
      out.stderr(`domicile: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

export async function runForeignHandlingReport(props: { runtime: Runtime; json: boolean; since: string | undefined; out: CliOutput }): Promise<number> {
  const { runtime, out } = props;
  let since: Date | undefined;
  if (props.since !== undefined) {
    since = new Date(`${props.since}T00:00:00.000Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(props.since) || Number.isNaN(since.getTime()) || since.toISOString().slice(0, 10) !== props.since) {
      out.stderr(`domicile: --since must be a calendar date YYYY-MM-DD, not "${props.since}"`);
      return 2;
    }
  }
  const report = await gatherForeignHandling({
    cells: runtime.cells,
    accessHistory: accessHistoryFromLogs({ logs: runtime.logs, cells: runtime.cells }),
    knownCategories: Object.values(categories),
    at: runtime.transfers.now(),
    ...(since === undefined ? {} : { since }),
  });
  out.stdout(props.json ? JSON.stringify(report, null, 2) : renderForeignHandling(report));
  return 0;
}
