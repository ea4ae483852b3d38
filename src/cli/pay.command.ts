// `domicile pay audit [--json]`: recompute every balance from the postings of every cell and
// check each transfer; exit 0 when the ledger is whole, 1 naming each discrepancy.
import type { Runtime } from '../app/runtime.js';
import { auditPay } from '../pay/pay.audit.js';
import type { CliOutput } from './output.js';

export async function runPayAudit(props: { runtime: Runtime; json: boolean; out: CliOutput }): Promise<number> {
  const audit = await auditPay({ cells: props.runtime.cells });
  const ok = audit.discrepancies.length === 0;
  if (props.json) {
    props.out.stdout(JSON.stringify(audit, null, 2));
    return ok ? 0 : 1;
  }
  const lines = [`Pay audit · ${audit.at}`, `${audit.wallets} wallets, ${audit.postings} postings, ${audit.payments} payments in ${props.runtime.cells.all().length} cells`, ''];
  if (ok) lines.push('OK: every balance equals the sum of its postings, every transfer sums to zero, none is half-applied.');
  else {
    lines.push(`DISCREPANCIES: ${audit.discrepancies.length}`);
    for (const d of audit.discrepancies) lines.push(`  cell ${d.cell} · ${d.kind} · ${d.ref}: ${d.problem}`);
  }
  props.out.stdout(lines.join('\n'));
  return ok ? 0 : 1;
}
