// The governance console's incidents (issue 11): list and open incidents, and each incident's
// report — as JSON for the page, and as PDF, HTML or CSV to download. Privacy officers and
// admins only. The report holds counts, codes and operator ids, never personal data; it is
// computed from the verified log, so a log that does not verify is an error, not a report.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { IncidentReport, ReportStage } from '../../governance/reports/incident-report.js';
import type { Incident, OpenIncidentInput } from '../../governance/reports/incidents.js';
import { operatorOf, requireHere, requireOperator, requireRole, type OperatorGate } from '../operator-auth.js';
import { binary, errorResponses } from '../schemas.js';
import { IncidentId, IncidentList, IncidentReportView, IncidentView, OpenIncidentBody, ReportStageQuery } from './ops.incidents.schemas.js';
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
}

const ROLES = ['privacy-officer', 'admin'] as const;
const CONTENT_TYPES = { pdf: 'application/pdf', html: 'text/html; charset=utf-8', csv: 'text/csv; charset=utf-8' } as const;

export const opsIncidentsRoutes: FastifyPluginAsyncTypebox<OpsIncidentsRoutesOptions> = async (app, { gate, incidents }) => {
  app.addHook('preHandler', requireOperator(gate));
  app.addHook('preHandler', requireHere(gate));
  app.addHook('preHandler', async (request) => requireRole(operatorOf(request).operator, ROLES, 'incidents and their reports'));

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
};
