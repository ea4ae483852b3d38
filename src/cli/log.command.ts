// `domicile log …`: a cell log's verifier key, a static tlog-tiles export, full verification of
// the stored logs, and auditor tokens. Works on the databases directly, without starting the
// service, so a damaged log can still be inspected.
import { openCells, type CellRegistry } from '../cells/cell.registry.js';
import { openDirectory } from '../cells/directory.js';
import type { Config } from '../config/config.js';
import { isDomainError } from '../errors/catalogue.js';
import { addAuditor } from '../governance/log/auditors.js';
import { exportCellLog } from '../governance/log/log.export.js';
import { loadOrCreateLogKey, logOrigin, readLogKey } from '../governance/log/log-keys.js';
import { pinLogIdentity, readLogIdentity } from '../governance/log/log.repository.js';
import { verifyCellLog, type LogVerification } from '../governance/log/log.verify.js';
import type { CliOutput } from './output.js';
import { cellSchema, directoryMigrations } from '../app/schema.js';
import { logUsage } from './usage.js';

export interface LogCommandProps {
  config: Config;
  args: readonly string[];
  cell: string | undefined;
  outDir: string | undefined;
  key: string | undefined;
  json: boolean;
  out: CliOutput;
}

function usageError(out: CliOutput, message: string): number {
  out.stderr(`${message}\n\nUsage:\n${logUsage}`);
  return 2;
}

async function withCells<T>(config: Config, run: (cells: CellRegistry) => Promise<T>): Promise<T> {
  const cells = await openCells(config, cellSchema);
  try {
    return await run(cells);
  } finally {
    await cells.close();
  }
}

function selectedCells(cells: CellRegistry, cellId: string | undefined, out: CliOutput): string[] | null {
  if (cellId === undefined) return cells.all().map((c) => c.id);
  if (!cells.has(cellId)) {
    out.stderr(`no cell "${cellId}" in this deployment; cells: ${cells.all().map((c) => c.id).join(', ')}`);
    return null;
  }
  return [cellId];
}

async function runKey(props: LogCommandProps): Promise<number> {
  const { config, out } = props;
  return withCells(config, async (cells) => {
    const ids = selectedCells(cells, props.cell, out);
    if (!ids) return 2;
    for (const id of ids) {
      const db = cells.get(id).db;
      let identity = await readLogIdentity(db);
      if (!identity) {
        // Before the first start: make the key now, exactly as the service would.
        const key = loadOrCreateLogKey({ dataDir: config.dataDir, cellId: id, origin: logOrigin(config.deployment, id) });
        await pinLogIdentity(db, { origin: key.origin, verifierKey: key.verifierKey });
        identity = await readLogIdentity(db);
      }
      const key = identity?.verifierKey ?? '';
      out.stdout(props.cell === undefined ? `${id}\t${key}` : key);
    }
    return 0;
  });
}

async function runExport(props: LogCommandProps): Promise<number> {
  const { out } = props;
  if (!props.cell || !props.outDir) return usageError(out, 'log export needs --cell <cell> and --out <dir>');
  const cellId = props.cell;
  const outDir = props.outDir;
  return withCells(props.config, async (cells) => {
    if (!selectedCells(cells, cellId, out)) return 2;
    const bar = out.progress(`Exporting ${cellId}`);
    try {
      const done = await exportCellLog({ cellId, db: cells.get(cellId).db, outDir, onProgress: (d, t) => bar.update(d, t) });
      bar.stop();
      out.stdout(`Exported ${done.origin}: ${done.treeSize} entries, ${done.files} files in ${outDir}`);
      return 0;
    } catch (err) {
      bar.stop();
      if (isDomainError(err)) {
        out.stderr(err.message);
        return 1;
      }
      throw err;
    }
  });
}

function describe(result: LogVerification): string {
  const head = `cell ${result.cellId}${result.origin ? ` (${result.origin})` : ''}`;
  if (!result.problem) return `${head}: OK — ${result.entries} entries, ${result.checkpoints} checkpoints, root ${result.root}`;
  const where =
    result.problem.at === null ? '' : result.problem.kind === 'checkpoint' ? ` at checkpoint size ${result.problem.at}` : ` at entry ${result.problem.at}`;
  return `${head}: FAILED${where}: ${result.problem.message}`;
}

async function runVerify(props: LogCommandProps): Promise<number> {
  const { config, out } = props;
  return withCells(config, async (cells) => {
    const ids = selectedCells(cells, props.cell, out);
    if (!ids) return 2;
    const results: LogVerification[] = [];
    for (const id of ids) {
      // The key to trust: one given by the auditor, else the service's own key file, and only
      // failing both the copy pinned in the very database being checked.
      const verifierKey = props.key ?? readLogKey({ dataDir: config.dataDir, cellId: id })?.verifierKey;
      const bar = props.json ? null : out.progress(`Verifying ${id}`);
      const result = await verifyCellLog({ cellId: id, db: cells.get(id).db, verifierKey, onProgress: (d, t) => bar?.update(d, t) });
      bar?.stop();
      results.push(result);
      if (!props.json) out.stdout(describe(result));
    }
    if (props.json) out.stdout(JSON.stringify({ cells: results }, null, 2));
    return results.every((r) => r.problem === null) ? 0 : 1;
  });
}

async function runAuditor(props: LogCommandProps): Promise<number> {
  const { out } = props;
  const [action, ...names] = props.args;
  const name = names.join(' ');
  if (action !== 'add' || !name) return usageError(out, 'usage: domicile log auditor add <name>');
  const directory = await openDirectory(props.config.directoryDatabase, directoryMigrations);
  try {
    const auditor = await addAuditor({ db: directory.db, name });
    out.stdout(`Auditor "${auditor.name}" (${auditor.id}) added. Its token is shown only now; keep it secret:\n${auditor.token}`);
    return 0;
  } catch (err) {
    if (isDomainError(err)) {
      out.stderr(err.message);
      return 1;
    }
    throw err;
  } finally {
    await directory.close();
  }
}

/** Runs `log <sub> …`; returns the exit code. */
export async function runLogCommand(props: LogCommandProps & { sub: string | undefined }): Promise<number> {
  switch (props.sub) {
    case 'key':
      return runKey(props);
    case 'export':
      return runExport(props);
    case 'verify':
      return runVerify(props);
    case 'auditor':
      return runAuditor(props);
    default:
      return usageError(props.out, `unknown log command: ${props.sub ?? '(none)'}`);
  }
}
