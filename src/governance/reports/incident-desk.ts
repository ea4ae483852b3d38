// The privacy officer's desk for a running service: incidents in the directory and their
// reports from the verified log, rendered in any format. The console's routes are handed these
// functions (src/http/app.ts); the CLI calls the same use cases directly.
import type { CellRegistry } from '../../cells/cell.registry.js';
import type { Directory } from '../../cells/directory.js';
import type { Registries } from '../transfers/registry.js';
import { renderReportPdf } from './access-report.pdf.js';
import { renderReportCsv, renderReportHtml } from './access-report.render.js';
import type { IncidentReport, ReportStage } from './incident-report.js';
import { findIncident, listIncidents, openIncident, type Incident, type OpenIncidentInput } from './incidents.js';
import { gatherIncidentReport } from './reports.js';
import { serviceVerifierKey } from './verified-log.js';

export interface IncidentDesk {
  list(): Promise<Incident[]>;
  open(props: { input: OpenIncidentInput; by: string }): Promise<Incident>;
  report(props: { id: string; stage: ReportStage }): Promise<IncidentReport>;
  render(props: { report: IncidentReport; format: 'pdf' | 'html' | 'csv' }): Promise<Buffer | string>;
}

export function incidentDesk(props: { cells: CellRegistry; directory: Directory; dataDir: string; registries: Registries; now: () => Date }): IncidentDesk {
  const { cells, directory } = props;
  return {
    list: () => listIncidents({ directory }),
    open: ({ input, by }) => openIncident({ directory, homes: cells.jurisdictions(), input, by, now: props.now() }),
    async report({ id, stage }) {
      const incident = await findIncident({ directory, id });
      const home = incident.scope.home;
      const verifierKey = serviceVerifierKey({ cells, dataDir: props.dataDir, home });
      return gatherIncidentReport({ cells, incident, regime: props.registries.regimeOf(home), stage, verifierKey, at: props.now() });
    },
    async render({ report, format }) {
      if (format === 'pdf') return renderReportPdf(report);
      return format === 'html' ? renderReportHtml(report) : renderReportCsv(report);
    },
  };
}
