// Reads the text a PDF shows, for tests: inflates each content stream and decodes the strings of
// its TJ/Tj operators, one run per operator in drawing order. Written from the PDF format, not
// from the code that writes the reports, so it checks what a reader of the file sees.
import zlib from 'node:zlib';

function decodeHex(hex: string): string {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex').toString('latin1');
}

/** The text runs of every page, in order. */
export function pdfTextRuns(pdf: Uint8Array): string[] {
  const bytes = Buffer.from(pdf);
  const text = bytes.toString('latin1');
  const runs: string[] = [];
  const streams = /stream\r?\n/g;
  for (let m = streams.exec(text); m !== null; m = streams.exec(text)) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    let content: string;
    try {
      content = zlib.inflateSync(bytes.subarray(start, end)).toString('latin1');
    } catch {
      continue; // not a Flate content stream (fonts, images)
    }
    for (const op of content.matchAll(/\[((?:<[0-9a-fA-F\s]*>|[-\d.\s])*)\]\s*TJ|<([0-9a-fA-F\s]*)>\s*Tj/g)) {
      const parts = op[1] !== undefined ? [...op[1].matchAll(/<([0-9a-fA-F\s]*)>/g)].map((p) => p[1] ?? '') : [op[2] ?? ''];
      runs.push(parts.map(decodeHex).join(''));
    }
  }
  return runs;
}

/** The number of pages the PDF declares. */
export function pdfPageCount(pdf: Uint8Array): number {
  return [...Buffer.from(pdf).toString('latin1').matchAll(/\/Type\s*\/Page\b/g)].length;
}
