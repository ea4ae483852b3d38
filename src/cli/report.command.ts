// `domicile report disclosure --subject <id> [--json]` and `domicile report foreign-handling
// [--json] [--since YYYY-MM-DD]`: the same documents as GET /v1/me/disclosure and
// GET /v1/foreign-handling, computed from the running system's state. The disclosure holds a
// person's consents and transfer records, so the CLI reads it as the deployment's local operator
// (purpose DATA_SUBJECT_REQUEST) and prints it only once that read is an entry in the person's
// home log: no log, no data. `report access` and `report incident` count the verified access
// log only, and refuse (exit 1) when it does not verify.

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { CellRegistry } from '../cells/cell.registry.js';
import type { Directory } from '../cells/directory.js';
import type { Config } from '../config/config.js';
import type { AccessReport } from '../governance/reports/access-report.js';
import { renderReportCsv, renderReportHtml, renderReportText } from '../governance/reports/access-report.render.js';
import type { IncidentReport } from '../governance/reports/incident-report.js';
import { findIncident, parseScope, type ScopeInput } from '../governance/reports/incidents.js';
import { loadRegistries } from '../governance/transfers/registry.js';
import { withStores } from './incident.command.js';
import { serviceVerifierKey } from '../governance/reports/verified-log.js';
import type { Runtime } from '../app/runtime.js';
import { countryName } from '../cells/countries.js';
import { isDomainError } from '../errors/catalogue.js';
import { accessHistoryFromLogs } from '../governance/reports/access-history.js';
import { disclosureReadEntry, renderDisclosure } from '../governance/reports/disclosure.js';
import { renderForeignHandling } from '../governance/reports/foreign-handling.js';
import { gatherAccessReport, gatherDisclosure, gatherForeignHandling, gatherIncidentReport } from '../governance/reports/reports.js';
import { categories } from '../cells/records.js';
import type { CliOutput } from './output.js';

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

export const reportFormats = ['text', 'json', 'html', 'csv', 'pdf'] as const;
export type ReportFormat = (typeof reportFormats)[number];

export interface LogReportProps {
  config: Config;
  json: boolean;
  format: string | undefined;
  outFile: string | undefined;
  out: CliOutput;
}

function formatOf(props: LogReportProps): ReportFormat | string {
  if (props.json && props.format !== undefined && props.format !== 'json') return `give --json or --format ${props.format}, not both`;
  const format = props.json ? 'json' : (props.format ?? 'text');
  if (!(reportFormats as readonly string[]).includes(format)) return `--format must be one of html, pdf, csv (or --json), not "${format}"`;
  if (format === 'pdf' && props.outFile === undefined) return '--format pdf needs --out <file>';
  return format;
}

/** pdfkit and its fonts load only when a PDF is asked for (they are most of a report command's start). */
async function renderPdf(report: AccessReport): Promise<Buffer> {
  const { renderReportPdf } = await import('../governance/reports/access-report.pdf.js');
  return renderReportPdf(report);
}

/** Writes the report in its format to --out, or to standard output. */
async function emit(props: LogReportProps, format: ReportFormat, report: AccessReport | IncidentReport): Promise<void> {
  const body: string | Uint8Array =
    format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : format === 'pdf' ? await renderPdf(report) : format === 'html' ? renderReportHtml(report) : format === 'csv' ? renderReportCsv(report) : renderReportText(report);
  if (props.outFile === undefined) {
    props.out.stdout(typeof body === 'string' ? body : Buffer.from(body).toString('latin1'));
    return;
  }
  // Written whole to a temporary name first, so a reader never sees half a report.
  const tmp = `${props.outFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, body);
  fs.renameSync(tmp, props.outFile);
  props.out.stderr(`Wrote ${props.outFile}`);
}

/** Runs one log report: verifies first; a log that does not verify makes it refuse with exit 1. */
async function runLogReport(props: LogReportProps, make: (stores: { cells: CellRegistry; directory: Directory; verifierKey: (home: string) => string | undefined }) => Promise<AccessReport | IncidentReport>): Promise<number> {
  const { out } = props;
  const format = formatOf(props);
  if (!(reportFormats as readonly string[]).includes(format)) {
    out.stderr(`domicile: ${format}`);
    return 2;
  }
  return withStores(props.config, async ({ cells, directory }) => {
    const verifierKey = (home: string): string | undefined => serviceVerifierKey({ cells, dataDir: props.config.dataDir, home });
    try {
      await emit(props, format as ReportFormat, await make({ cells, directory, verifierKey }));
      return 0;
    } catch (err) {
      if (isDomainError(err) && (err.code === 'VALIDATION_FAILED' || err.code === 'NOT_FOUND' || err.code === 'LOG_INCONSISTENT')) {
        out.stderr(`domicile: ${err.message}`);
        return err.code === 'VALIDATION_FAILED' ? 2 : 1;
      }
      throw err;
    }
  });
}

export async function runAccessReport(props: LogReportProps & { scope: ScopeInput }): Promise<number> {
  return runLogReport(props, async ({ cells, verifierKey }) => {
    const scope = parseScope(props.scope, cells.jurisdictions());
    return gatherAccessReport({ cells, scope, verifierKey: verifierKey(scope.home), at: new Date() });
  });
}

export async function runIncidentReport(props: LogReportProps & { id: string | undefined; stage: string | undefined }): Promise<number> {
  const stage = props.stage ?? 'preliminary';
  if (props.id === undefined || (stage !== 'preliminary' && stage !== 'final')) {
    props.out.stderr(`usage: domicile report incident <id> [--stage preliminary|final] [--json | --format html|pdf|csv] [--out <file>]${props.id === undefined ? '' : `\n--stage must be preliminary or final, not "${stage}"`}`);
    return 2;
  }
  const id = props.id;
  return runLogReport(props, async ({ cells, directory, verifierKey }) => {
    const incident = await findIncident({ directory, id });
    return gatherIncidentReport({ cells, incident, regime: loadRegistries().regimeOf(incident.scope.home), stage, verifierKey: verifierKey(incident.scope.home), at: new Date() });
  });
}
