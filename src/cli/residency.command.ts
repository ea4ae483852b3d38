// `domicile report residency`: scan every cell; exit non-zero naming each misplaced row or blob.
import type { Runtime } from '../app/runtime.js';
import { scanResidency } from '../cells/residency.scan.js';
import type { CliOutput } from './output.js';

export async function runResidencyReport(props: { runtime: Runtime; json: boolean; out: CliOutput }): Promise<number> {
  const bar = props.json ? null : props.out.progress('Scanning cells');
  const report = await scanResidency({ cells: props.runtime.cells, onProgress: (d, t) => bar?.update(d, t) });
  bar?.stop();
  if (props.json) {
    props.out.stdout(JSON.stringify(report, null, 2));
    return report.violations.length === 0 ? 0 : 1;
  }
  const lines = [`Residency report · ${report.at}`, ''];
  for (const cell of report.cells) {
    lines.push(`cell ${cell.id} (${cell.jurisdiction}): ${cell.rows} rows, ${cell.blobs} blobs`);
    for (const [category, n] of Object.entries(cell.categories).sort()) lines.push(`  ${category.padEnd(40)} ${String(n).padStart(8)}`);
  }
  lines.push('');
  if (report.violations.length === 0) {
    lines.push('OK: every personal-data row and blob sits in the cell the placement rules give.');
    props.out.stdout(lines.join('\n'));
    return 0;
  }
  lines.push(`VIOLATIONS: ${report.violations.length}`);
  for (const v of report.violations) lines.push(`  cell ${v.cell} · ${v.table} ${v.row}${v.subject ? ` · subject ${v.subject}` : ''}: ${v.problem}`);
  props.out.stdout(lines.join('\n'));
  return 1;
}
