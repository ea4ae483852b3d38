// The governance console's incidents (issue 11): list and open incidents, and each incident's
// report — as JSON for the page, and as PDF, HTML or CSV to download; and the access logs' status
// with a verification run on request. Privacy officers and
// admins only. The report holds counts, codes and operator ids, never personal data; it is
// computed from the verified log, so a log that does not verify is an error, not a report.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { IncidentReport, ReportStage } from '../../governance/reports/incident-report.js';
import type { Incident, OpenIncidentInput } from '../../governance/reports/incidents.js';
import { operatorOf, requireHere, requireOperator, requireRole, type OperatorGate } from '../operator-auth.js';
import { binary, errorResponses } from '../schemas.js';
import { CellParam, IncidentId, IncidentList, IncidentReportView, IncidentView, LogStatusList, LogStatusView, OpenIncidentBody, ReportStageQuery } from './ops.incidents.schemas.js';
import type { LogDesk } from '../../governance/log/log-status.js';
import { opsSecurity } from './ops.schemas.js';

/** What the incident routes may do: the incidents and their reports, nothing else. */
export interface OperatorIncidents {
  list(): Promise<readonly Incident[]>;
  open(props: { input: OpenIncidentInput; by: string }): Promise<Incident>;
  report(props: { id: string; stage: ReportStage }): Promise<IncidentReport>;
  render(props: { report: IncidentReport; format: 'pdf' | 'html' | 'csv' }): Promise<Buffer | string>;
}

export interface OpsIncidentsRoutesOptions {
  gate: OperatorGate;
  incidents: OperatorIncidents;
  logs: Pick<LogDesk, 'list' | 'verify'>;
}

const ROLES = ['privacy-officer', 'admin'] as const;
const CONTENT_TYPES = { pdf: 'application/pdf', html: 'text/html; charset=utf-8', csv: 'text/csv; charset=utf-8' } as const;

export const opsIncidentsRoutes: FastifyPluginAsyncTypebox<OpsIncidentsRoutesOptions> = async (app, { gate, incidents, logs }) => {
  app.addHook('preHandler', requireOperator(gate));
  app.addHook('preHandler', requireHere(gate));
  app.addHook('preHandler', async (request) => requireRole(operatorOf(request).operator, ROLES, 'incidents, their reports and the log status'));

  app.get(
    '/v1/ops/incidents',
    { schema: { tags: ['governance'], summary: 'Incidents, newest known first (privacy officers, admins)', operationId: 'listIncidents', security: opsSecurity, response: { 200: IncidentList, ...errorResponses } } },
    async () => ({ incidents: await incidents.list() }),
  );

  app.post(
    '/v1/ops/incidents',
    {
      schema: {
        tags: ['governance'],
        summary: 'Record an incident with its scope over the access log (privacy officers, admins)',
        operationId: 'openIncident',
        security: opsSecurity,
        body: OpenIncidentBody,
        response: { 201: IncidentView, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await incidents.open({ input: request.body, by: operatorOf(request).operator.id })),
  );

  app.get(
    '/v1/ops/incidents/:id/report',
    {
      schema: {
        tags: ['governance'],
        summary: 'The incident report from the verified log: figures, checkpoints, deadlines and the report items',
        operationId: 'incidentReport',
        security: opsSecurity,
        params: Type.Object({ id: IncidentId }),
        querystring: ReportStageQuery,
        response: { 200: IncidentReportView, ...errorResponses },
      },
    },
    async (request) => incidents.report({ id: request.params.id, stage: request.query.stage ?? 'preliminary' }),
  );

  app.get(
    '/v1/ops/incidents/:id/report/:format',
    {
      schema: {
        tags: ['governance'],
        summary: 'The incident report as a file to download: PDF (the draft regulator report), HTML or CSV',
        operationId: 'downloadIncidentReport',
        security: opsSecurity,
        params: Type.Object({ id: IncidentId, format: Type.Union([Type.Literal('pdf'), Type.Literal('html'), Type.Literal('csv')]) }),
        querystring: ReportStageQuery,
        response: { 200: binary('The report file', Object.values(CONTENT_TYPES)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id, format } = request.params;
      const stage = request.query.stage ?? 'preliminary';
      const file = await incidents.render({ report: await incidents.report({ id, stage }), format });
      return reply
        .header('content-type', CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="${id}-${stage}.${format}"`)
        .send(file);
    },
  );

  app.get(
    '/v1/ops/logs',
    { schema: { tags: ['governance'], summary: 'Each cell log: size, latest checkpoint, verifier key and the last verification', operationId: 'listLogStatus', security: opsSecurity, response: { 200: LogStatusList, ...errorResponses } } },
    async () => ({ logs: logs.list() }),
  );

  app.post(
    '/v1/ops/logs/:cell/verify',
    {
      schema: {
        tags: ['governance'],
        summary: 'Verify one cell log in full now (as `domicile log verify`); the result is kept as its last verification',
        operationId: 'verifyLog',
        security: opsSecurity,
        params: CellParam,
        response: { 200: LogStatusView, ...errorResponses },
      },
    },
    async (request) => logs.verify(request.params.cell),
  );
};
