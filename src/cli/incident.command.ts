// `domicile incident open|list|show`: incidents in the directory, each with its scope as a query
// over the access log. Works on the databases directly, without starting the service.
import { openCells, type CellRegistry } from '../cells/cell.registry.js';
import { countryName } from '../cells/countries.js';
import { openDirectory, type Directory } from '../cells/directory.js';
import type { Config } from '../config/config.js';
import { isDomainError } from '../errors/catalogue.js';
import { LOCAL_CLI_ACTOR } from '../governance/reports/disclosure.js';
import { findIncident, listIncidents, openIncident, type Incident, type OpenIncidentInput } from '../governance/reports/incidents.js';
import { cellSchema, directoryMigrations } from '../app/schema.js';
import { openRuntime } from '../app/runtime.js';
import { notifyListReadEntries } from '../governance/reports/incident-report.js';
import { gatherNotifyList } from '../governance/reports/reports.js';
import { serviceVerifierKey } from '../governance/reports/verified-log.js';
import { randomUUID } from 'node:crypto';
import type { CliOutput } from './output.js';
import { incidentUsage } from './usage.js';

/** Cells and directory, closed after `run`: what the incident and report commands read. */
export async function withStores<T>(config: Config, run: (stores: { cells: CellRegistry; directory: Directory }) => Promise<T>): Promise<T> {
  const cells = await openCells(config, cellSchema);
  try {
    const directory = await openDirectory(config.directoryDatabase, directoryMigrations);
    try {
      return await run({ cells, directory });
    } finally {
      await directory.close();
    }
  } finally {
    await cells.close();
  }
}

export function describeIncident(i: Incident): string {
  const s = i.scope;
  const who = [
    s.actorOutside === null ? null : `actors outside ${countryName(s.actorOutside)} (${s.actorOutside})`,
    s.actorCountry === null ? null : `actors in ${countryName(s.actorCountry)} (${s.actorCountry})`,
    s.employer === null ? null : `employer ${s.employer}`,
  ].filter((x): x is string => x !== null);
  return [
    `${i.id}  ${i.title}`,
    `  known at ${i.knownAt}${i.wrongfulPurpose ? ' · wrongful purpose suspected' : ''}`,
    `  scope: people of ${s.home}, ${s.from} to ${s.to}${who.length > 0 ? `, ${who.join(', ')}` : ''}`,
  ].join('\n');
}

export async function runIncidentCommand(props: {
  config: Config;
  sub: string | undefined;
  args: readonly string[];
  input: OpenIncidentInput;
  json: boolean;
  out: CliOutput;
}): Promise<number> {
  const { out } = props;
  if (props.sub === 'notify-list') return runNotifyList(props);
  if (props.sub !== 'open' && props.sub !== 'list' && props.sub !== 'show') {
    out.stderr(`unknown incident command: ${props.sub ?? '(none)'}\n\nUsage:\n${incidentUsage}`);
    return 2;
  }
  const id = props.args[0];
  if (props.sub === 'show' && id === undefined) {
    out.stderr('usage: domicile incident show <id> [--json]');
    return 2;
  }
  return withStores(props.config, async ({ cells, directory }) => {
    try {
      if (props.sub === 'list') {
        const incidents = await listIncidents({ directory });
        out.stdout(props.json ? JSON.stringify({ incidents }, null, 2) : incidents.length === 0 ? 'No incidents.' : incidents.map(describeIncident).join('\n'));
        return 0;
      }
      const incident =
        props.sub === 'open'
          ? await openIncident({ directory, homes: cells.jurisdictions(), input: props.input, by: LOCAL_CLI_ACTOR, now: new Date() })
          : await findIncident({ directory, id: id ?? '' });
      out.stdout(props.json ? JSON.stringify(incident, null, 2) : describeIncident(incident));
      return 0;
    } catch (err) {
      if (isDomainError(err) && (err.code === 'VALIDATION_FAILED' || err.code === 'NOT_FOUND')) {
        out.stderr(`domicile: ${err.message}`);
        return err.code === 'VALIDATION_FAILED' ? 2 : 1;
      }
      throw err;
    }
  });
}

/**
 * `incident notify-list <id>`: names the people affected, so — like a disclosure — it is printed
 * only once its read is durable in their home log (no log, no data).
 */
async function runNotifyList(props: { config: Config; args: readonly string[]; json: boolean; out: CliOutput }): Promise<number> {
  const { out } = props;
  const id = props.args[0];
  if (id === undefined) {
    out.stderr('usage: domicile incident notify-list <id> [--json]');
    return 2;
  }
  const runtime = await openRuntime(props.config);
  try {
    const incident = await findIncident({ directory: runtime.directory, id });
    const verifierKey = serviceVerifierKey({ cells: runtime.cells, dataDir: props.config.dataDir, home: incident.scope.home });
    const list = await gatherNotifyList({ cells: runtime.cells, incident, verifierKey });
    const batch = randomUUID();
    for (const entry of notifyListReadEntries({ incident, subjects: list.subjects, actor: LOCAL_CLI_ACTOR, at: new Date(), eventId: (n) => `notify-${batch}-${n}` })) {
      await runtime.logs.recordAccess(entry);
    }
    out.stdout(
      props.json
        ? JSON.stringify({ incident: incident.id, checkpoint: list.checkpoint, subjects: list.subjects }, null, 2)
        : [`People to notify for ${incident.id} (${list.subjects.length}):`, ...list.subjects.map((s) => `  ${s.subject}: ${s.categories.join(', ')}`)].join('\n'),
    );
    return 0;
  } catch (err) {
    if (isDomainError(err) && (err.code === 'NOT_FOUND' || err.code === 'LOG_INCONSISTENT' || err.code === 'LOG_UNAVAILABLE')) {
      out.stderr(`domicile: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await runtime.close();
  }
}
