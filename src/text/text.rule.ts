// The one rule for text a client sends (issue 14.2): which characters free text may hold, so that
// every backend stores exactly what was accepted (PostgreSQL refuses U+0000 in text; a lone UTF-16
// surrogate cannot be encoded and would be silently replaced) and no text can disguise itself
// (bidi overrides that reverse a file name, a name made only of invisible characters).
// Pure: the HTTP edge, the WebSocket frames and the schemas all ask this module.

/**
 * - `text`: free text that may span lines (a message): tab, newline and CR LF allowed.
 * - `line`: one line (an e-mail, a login, a note): no control character at all.
 * - `name`: a line a person reads as a name (display name, group title): must show something.
 */
export type TextKind = 'text' | 'line' | 'name';

// In a `u` regular expression a valid surrogate pair is one code point, so this finds only lone halves.
const loneSurrogate = /[\uD800-\uDFFF]/u;
// C0 controls except tab and LF, DEL and the C1 controls.
// eslint-disable-next-line no-control-regex -- finding control characters is this rule's job
const controlInText = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/u;
// In one line: every C0/C1 control, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex -- as above
const controlInLine = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/u;
// Bidirectional embeddings, overrides and isolates (Unicode TR9 explicit formatting); the
// left-to-right and right-to-left marks (U+200E/F) stay allowed: right-to-left scripts need them.
const bidiControl = /[\u202A-\u202E\u2066-\u2069]/u;
// What renders as nothing: white space, format characters (zero-width space/joiners, BOM, word
// joiner…), combining marks alone, and the Hangul fillers.
const invisible = /[\p{White_Space}\p{Cf}\p{M}\u115F\u1160\u3164\uFFA0]/gu;
// Every character the three checks of `text` can find (surrogates by code unit, so a valid pair
// matches too): a string with none of them is acceptable text without running them. Most are.
// eslint-disable-next-line no-control-regex -- as above
const mayBreakText = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]/;

function describe(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `value` is not acceptable text of `kind`, in words a person can act on; null when it is. */
export function textProblem(value: string, kind: TextKind): string | null {
  if (kind === 'text' && !mayBreakText.test(value)) return null;
  if (loneSurrogate.test(value)) return 'contains a broken character (a lone UTF-16 surrogate); send valid Unicode text';
  const control = (kind === 'text' ? controlInText : controlInLine).exec(kind === 'text' ? value.replaceAll('\r\n', '\n') : value);
  if (control) {
    const allowed = kind === 'text' ? ' (only tab and newline are allowed)' : ' (this field is one line)';
    return `contains the control character ${describe(control[0])}${allowed}; remove it`;
  }
  const bidi = bidiControl.exec(value);
  if (bidi) return `contains the bidirectional control ${describe(bidi[0])}, which can disguise text; remove it`;
  if (kind === 'name' && value.length > 0 && value.replace(invisible, '').length === 0) {
    return 'shows nothing: it is only spaces or invisible characters; use visible letters';
  }
  return null;
}

/**
 * The first string anywhere in a parsed JSON value (object keys included) that breaks the `text`
 * rule, as `where: problem`; null when all are acceptable. Single-line and name fields are held to
 * their stricter kind by their schemas (format `line` / `name`).
 */
export function firstTextProblem(value: unknown, where: string): string | null {
  const found = findTextProblem(value);
  return found ? `${where}${found.at}: ${found.problem}` : null;
}

/** The first problem and where it is below the value (`/key/0`, ` (a field name)`): the path is built only for a problem, not per field of every frame. */
function findTextProblem(value: unknown): { at: string; problem: string } | null {
  if (typeof value === 'string') {
    const problem = textProblem(value, 'text');
    return problem ? { at: '', problem } : null;
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = findTextProblem(value[index]);
      if (found) return { at: `/${index}${found.at}`, problem: found.problem };
    }
    return null;
  }
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const key of Object.keys(value)) {
      const problem = textProblem(key, 'text');
      if (problem) return { at: ' (a field name)', problem };
      const found = findTextProblem((value as Record<string, unknown>)[key]);
      if (found) return { at: `/${key}${found.at}`, problem: found.problem };
    }
  }
  return null;
}

/** What a field of each stricter kind must be, for the message when its format check fails. */
export const textFormatHints: Readonly<Record<string, string>> = {
  line: 'must be one line: no tab, newline or other control character, and no bidirectional control',
  name: 'must be a name on one line that shows visible letters: no control or bidirectional characters, not only spaces or invisible characters',
};

/** JSON-schema formats for the stricter kinds; registered with Fastify's Ajv and TypeBox. */
export const textFormats = {
  line: (value: string): boolean => textProblem(value, 'line') === null,
  name: (value: string): boolean => textProblem(value, 'name') === null,
} as const;
