// `domicile shred` and `domicile keys rotate`: crypto-shredding a subject's data (logged in the
// access log of their jurisdiction) and rewrapping a cell's data keys under a new master key
// (logged in the cell's own access log).
import { openRuntime } from '../app/runtime.js';
import { cellSchema } from '../app/schema.js';
import { openCells } from '../cells/cell.registry.js';
import type { Config } from '../config/config.js';
import { isDomainError } from '../errors/catalogue.js';
import { rotateCellKeys } from '../governance/erasure/key-rotation.service.js';
import { shredSubject } from '../governance/erasure/shred.service.js';
import { openAccessLogs } from '../governance/log/access-logs.js';
import { LOCAL_CLI_ACTOR } from '../governance/reports/disclosure.js';
import type { CliOutput } from './output.js';

export async function runShred(props: { config: Config; subject: string | undefined; category: string | undefined; json: boolean; out: CliOutput }): Promise<number> {
  if (!props.subject) {
    props.out.stderr('usage: domicile shred --subject <id> [--category <c>]');
    return 2;
  }
  const runtime = await openRuntime(props.config);
  try {
    const subject = await runtime.directory.find(props.subject);
    if (!subject) {
      props.out.stderr(`domicile: no subject "${props.subject}"; name a user or account id`);
      return 1;
    }
    const result = await shredSubject({ cells: runtime.cells, recorder: runtime.logs, subject, category: props.category, actor: LOCAL_CLI_ACTOR, at: new Date() });
    if (props.json) {
      props.out.stdout(JSON.stringify(result, null, 2));
      return 0;
    }
    const lines = [`Shredded ${result.category} of ${result.subject}; logged in cell ${result.logged.cellId}'s access log at index ${result.logged.index}.`];
    for (const c of result.cells) lines.push(`  cell ${c.cell}: ${c.categories.length > 0 ? c.categories.join(', ') : 'no keys held'}`);
    props.out.stdout(lines.join('\n'));
    return 0;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    props.out.stderr(`domicile: ${err.message}`);
    return 1;
  } finally {
    await runtime.close();
  }
}

export async function runKeysCommand(props: { config: Config; sub: string | undefined; cell: string | undefined; json: boolean; out: CliOutput }): Promise<number> {
  if (props.sub !== 'rotate' || !props.cell) {
    props.out.stderr('usage: domicile keys rotate --cell <id>');
    return 2;
  }
  if (!props.config.cells.some((c) => c.id === props.cell)) {
    props.out.stderr(`domicile: no cell "${props.cell}"; this deployment has ${props.config.cells.map((c) => c.id).join(', ')}`);
    return 2;
  }
  const cells = await openCells(props.config, cellSchema);
  try {
    const logs = await openAccessLogs({ cells, dataDir: props.config.dataDir, deployment: props.config.deployment });
    try {
      const result = await rotateCellKeys({ cell: cells.get(props.cell), log: logs.get(props.cell), actor: LOCAL_CLI_ACTOR, at: new Date() });
      if (props.json) props.out.stdout(JSON.stringify(result, null, 2));
      else
        props.out.stdout(
          `Cell ${props.cell}: ${result.rewrapped} data keys rewrapped under master key ${result.masterId}; the old master key is destroyed. Logged in cell ${result.logged.cellId}'s access log at index ${result.logged.index}.`,
        );
      return 0;
    } finally {
      await logs.close();
    }
  } finally {
    await cells.close();
  }
}
