// The access and incident reports as PDF, drawn from the same document model as the HTML and
// CSV (access-report.render.ts), with the monthly chart as vector graphics. pdfkit (pinned
// 0.20.2): pure JavaScript, maintained, with text layout and wrapping and a vector drawing API,
// so no browser or native tool is needed to write a report. Latin text is set in Helvetica (a
// standard PDF font); text with Japanese or Chinese characters (an incident title, a company
// name) in a CJK font from the system — IPA Gothic (Debian fonts-ipafont-gothic, installed by
// .ci/run) or Noto Sans CJK — embedded as a subset, since Helvetica has no such glyphs.
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import type { AccessReport } from './access-report.js';
import { reportDocument, type ReportDocument, type ReportTable } from './access-report.render.js';

const MARGIN = 48;
const INK = '#1b1f24';
const MUTED = '#57606a';
const BAR = '#2f5d8a';
const BLANK = '#8a1c1c';

type Doc = InstanceType<typeof PDFDocument>;

/** Kana, CJK ideographs and punctuation, full-width forms: what Helvetica cannot draw. */
const CJK = /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/u;
const CJK_FONT = 'cjk';

/** Where a CJK font may be (a TrueType file, or a collection with the face to use); the first present wins. */
const CJK_FONT_CANDIDATES: readonly { file: string; family?: string }[] = [
  { file: '/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf' },
  { file: '/usr/share/fonts/truetype/fonts-japanese-gothic.ttf' },
  { file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKjp-Regular' },
];

/** The CJK font this machine has, or null (CJK text would then print as missing glyphs). */
export function cjkFont(): { file: string; family?: string } | null {
  const configured = process.env.DOMICILE_CJK_FONT;
  if (configured && existsSync(configured)) return { file: configured };
  return CJK_FONT_CANDIDATES.find((c) => existsSync(c.file)) ?? null;
}

/** Sets the font for `text`: the CJK font (no bold face) when it has CJK characters and one is registered. */
const withCjk = new WeakSet<Doc>();

function fontFor(doc: Doc, text: string, bold = false): Doc {
  return doc.font(withCjk.has(doc) && CJK.test(text) ? CJK_FONT : bold ? 'Helvetica-Bold' : 'Helvetica');
}

/** The width of `text` in the font it will be set in (the current size). */
function widthOf(doc: Doc, text: string): number {
  return fontFor(doc, text).widthOfString(text);
}

function ensureRoom(doc: Doc, height: number): void {
  if (doc.y + height > doc.page.height - MARGIN) doc.addPage();
}

function heading(doc: Doc, text: string): void {
  ensureRoom(doc, 40);
  fontFor(doc.moveDown(0.8), text, true).fontSize(12).fillColor(INK).text(text, MARGIN, doc.y);
  doc.moveDown(0.3);
}

/**
 * Column widths: each at least its longest word (so no word is split), the rest of the page
 * shared in proportion to how much more each column's longest cell needs.
 */
function columnWidths(doc: Doc, table: ReportTable, width: number): number[] {
  const cells = (i: number): string[] => [table.columns[i] ?? '', ...table.rows.map((r) => r[i] ?? '')];
  const pad = 11;
  // CJK text has no spaces to break at: its "words" are single characters.
  const words = (c: string): string[] => c.split(/\s+/).flatMap((w) => (CJK.test(w) ? [...w] : [w]));
  const least = table.columns.map((_, i) => Math.max(...cells(i).flatMap(words).map((w) => widthOf(doc, w))) + pad);
  const natural = table.columns.map((_, i) => Math.max(least[i] ?? 0, Math.min(240, Math.max(...cells(i).map((c) => widthOf(doc, c))) + pad)));
  const spare = width - least.reduce((a, b) => a + b, 0);
  const extra = natural.map((n, i) => n - (least[i] ?? 0));
  const extraTotal = extra.reduce((a, b) => a + b, 0);
  if (spare <= 0 || extraTotal === 0) return least.map((l) => (l * width) / least.reduce((a, b) => a + b, 0));
  return least.map((l, i) => l + (spare * (extra[i] ?? 0)) / extraTotal);
}

function drawTable(doc: Doc, table: ReportTable): void {
  heading(doc, table.title);
  if (table.rows.length === 0) {
    doc.font('Helvetica').fontSize(9).fillColor(MUTED).text('None.', MARGIN, doc.y);
    return;
  }
  const size = table.columns.length > 4 ? 7.5 : 9;
  const width = doc.page.width - 2 * MARGIN;
  doc.font('Helvetica').fontSize(size);
  const widths = columnWidths(doc, table, width);
  const row = (cells: readonly string[], bold: boolean): void => {
    doc.fontSize(size);
    const height = Math.max(...cells.map((c, i) => fontFor(doc, c, bold).heightOfString(c, { width: (widths[i] ?? 0) - 6 }))) + 4;
    ensureRoom(doc, height);
    const y = doc.y;
    let x = MARGIN;
    cells.forEach((c, i) => {
      fontFor(doc, c, bold).fillColor(INK).text(c, x + 2, y + 2, { width: (widths[i] ?? 0) - 6 });
      x += widths[i] ?? 0;
    });
    doc
      .moveTo(MARGIN, y + height)
      .lineTo(MARGIN + width, y + height)
      .lineWidth(0.4)
      .strokeColor('#d0d7de')
      .stroke();
    doc.x = MARGIN;
    doc.y = y + height;
  };
  row(table.columns, true);
  for (const r of table.rows) row(r, false);
}

function drawChart(doc: Doc, chart: ReportDocument['chart']): void {
  const width = doc.page.width - 2 * MARGIN;
  const height = 130;
  ensureRoom(doc, height + 60);
  heading(doc, 'Entries per month');
  const top = doc.y;
  const base = top + height - 14;
  const max = Math.max(1, ...chart.map((c) => c.entries));
  const bw = (width - 20) / Math.max(1, chart.length);
  doc.moveTo(MARGIN + 16, base).lineTo(MARGIN + width, base).lineWidth(0.6).strokeColor(MUTED).stroke();
  doc.moveTo(MARGIN + 16, base).lineTo(MARGIN + 16, top + 20).stroke();
  doc.font('Helvetica').fontSize(6.5).fillColor(MUTED).text(String(max), MARGIN, top + 17, { width: 14, align: 'right' });
  doc.text('0', MARGIN, base - 4, { width: 14, align: 'right' });
  chart.forEach((c, i) => {
    const bh = ((height - 34) * c.entries) / max;
    const x = MARGIN + 20 + i * bw;
    if (bh > 0) doc.rect(x + 2, base - bh, bw - 4, bh).fill(BAR);
    doc.font('Helvetica').fontSize(6.5).fillColor(MUTED).text(c.month.slice(2), x, base + 3, { width: bw, align: 'center' });
    if (c.entries > 0) doc.fillColor(INK).text(String(c.entries), x, base - bh - 9, { width: bw, align: 'center' });
  });
  doc.x = MARGIN;
  doc.y = top + height + 4;
}

/** The report as a PDF file's bytes. */
export async function renderReportPdf(report: AccessReport): Promise<Buffer> {
  const model = reportDocument(report);
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: model.title, Creator: 'Domicile' } });
  const cjk = cjkFont();
  if (cjk && [model.title, model.subtitle, ...model.tables.flatMap((t) => t.rows.flat()), ...model.items.map((i) => i.text)].some((t) => CJK.test(t))) {
    doc.registerFont(CJK_FONT, cjk.file, cjk.family);
    withCjk.add(doc);
  }
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  fontFor(doc, model.title, true).fontSize(16).fillColor(INK).text(model.title, MARGIN, MARGIN);
  fontFor(doc.moveDown(0.3), model.subtitle).fontSize(8.5).fillColor(MUTED).text(model.subtitle);
  for (const table of model.tables) {
    drawTable(doc, table);
    if (table.title === 'Figures') drawChart(doc, model.chart);
  }
  if (model.items.length > 0) {
    heading(doc, 'Report items (PPC Rules Art. 8)');
    for (const item of model.items) {
      ensureRoom(doc, 36);
      fontFor(doc, item.title, true).fontSize(9.5).fillColor(INK).text(item.title, MARGIN, doc.y);
      fontFor(doc, item.text).fontSize(9).fillColor(item.toBeWritten ? BLANK : INK).text(item.text, { width: doc.page.width - 2 * MARGIN });
      doc.moveDown(0.5);
    }
  }
  doc.end();
  return done;
}
