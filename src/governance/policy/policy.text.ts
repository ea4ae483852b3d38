// Pure text helpers for Cedar sources: cutting a file into its policies and turning Cedar's
// source offsets (UTF-8 bytes) into the line and column a person sees in an editor.

/** A 1-based line and column; the column counts UTF-16 code units, as editors and Node do. */
export interface LineColumn {
  readonly line: number;
  readonly column: number;
}

/** One policy's text as cut from a file, with where it starts in that file. */
export interface PolicyChunk {
  readonly text: string;
  /** Index in the file where `text` starts (leading comments included). */
  readonly start: number;
  /** Index in the file of the policy's first token, past leading comments and blanks. */
  readonly bodyStart: number;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** Converts a UTF-8 byte offset into `text` to a string index (Cedar reports byte offsets). */
export function charIndexOfByteOffset(text: string, byteOffset: number): number {
  if (byteOffset <= 0) return 0;
  if (!NON_ASCII.test(text)) return Math.min(byteOffset, text.length);
  let bytes = 0;
  let index = 0;
  while (index < text.length && bytes < byteOffset) {
    const codePoint = text.codePointAt(index) ?? 0;
    bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    index += codePoint >= 0x10000 ? 2 : 1;
  }
  return index;
}

export function lineColumnAt(text: string, index: number): LineColumn {
  const end = Math.max(0, Math.min(index, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i += 1) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Index of the first character at or after `from` that is neither blank nor inside a comment. */
export function skipBlanksAndComments(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i += 1;
    } else if (ch === '/' && text[i + 1] === '/') {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? text.length : newline + 1;
    } else {
      break;
    }
  }
  return i;
}

/**
 * Cuts a policy file at each top-level `;`. Cedar has only `//` comments and double-quoted
 * strings, and `;` appears nowhere else, so this lexing is enough. Call it only on text that
 * parsed: text after the last `;` (blanks and comments) is dropped.
 */
export function splitPolicies(text: string): PolicyChunk[] {
  const chunks: PolicyChunk[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      i += 1;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i += 1;
    } else if (ch === '/' && text[i + 1] === '/') {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? text.length : newline + 1;
    } else if (ch === ';') {
      chunks.push({ text: text.slice(start, i + 1), start, bodyStart: skipBlanksAndComments(text, start) });
      i += 1;
      start = i;
    } else {
      i += 1;
    }
  }
  return chunks;
}
