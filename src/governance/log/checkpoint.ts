// C2SP tlog-checkpoint: the body a cell's log signs (origin, tree size, root hash, extension
// lines), its strict format and parse, and signing/opening it as a signed note.
import { decodeBase64Strict, encodeBase64 } from './base64.js';
import { LogError } from './errors.js';
import { HASH_SIZE, type Hash } from './merkle.js';
import { isValidNoteText, openNote, signNote, type NoteSigner, type NoteVerifier, type OpenedNote } from './note.js';

export interface Checkpoint {
  /** Unique name of the log, e.g. `domicile.example/log/jp-1`. */
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Hash;
  readonly extensions: readonly string[];
}

function malformed(message: string): LogError {
  return new LogError('malformed-checkpoint', message);
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

function assertLine(what: string, line: string): void {
  if (line.length === 0 || line.includes('\n') || !isValidNoteText(`${line}\n`)) {
    throw malformed(`${what} must be a non-empty line without control characters`);
  }
}

/** The checkpoint body, i.e. the note text that gets signed. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, treeSize, rootHash, extensions } = checkpoint;
  assertLine('origin', origin);
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) throw malformed('tree size must be a non-negative safe integer');
  if (rootHash.length !== HASH_SIZE) throw malformed('root hash must be 32 bytes');
  for (const ext of extensions) assertLine('extension line', ext);
  return [origin, String(treeSize), encodeBase64(rootHash), ...extensions].map((l) => `${l}\n`).join('');
}

/** Strictly parses a checkpoint body (the note text, ending with a newline). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!isValidNoteText(text)) throw malformed('checkpoint must be newline-terminated text without control characters');
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, root, ...extensions] = lines;
  if (origin === undefined || size === undefined || root === undefined) {
    throw malformed('checkpoint needs origin, tree size and root hash lines');
  }
  if (origin.length === 0) throw malformed('origin line is empty');
  if (!DECIMAL.test(size)) throw malformed('tree size must be a decimal number without leading zeros');
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) throw malformed('tree size is too large');
  const rootHash = decodeBase64Strict(root);
  if (rootHash === undefined || rootHash.length !== HASH_SIZE) throw malformed('root hash must be 32 bytes of base64');
  if (extensions.some((e) => e.length === 0)) throw malformed('extension lines must not be empty');
  return { origin, treeSize, rootHash, extensions };
}

export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
}

/**
 * Verifies a signed checkpoint of the log named `origin`. Besides a valid signature, the log's
 * own key (named after the origin) must have signed: a witness cosignature alone, or a checkpoint
 * of another cell's log signed by a shared key, is not this log's statement.
 */
export function openCheckpoint(
  signed: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  origin: string,
): OpenedCheckpoint {
  const note = openNote(signed, verifiers);
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== origin) {
    throw new LogError('origin-mismatch', `checkpoint is for ${JSON.stringify(checkpoint.origin)}, not ${JSON.stringify(origin)}`);
  }
  if (!note.verified.some((s) => s.name === origin)) {
    throw new LogError('no-verified-signature', `checkpoint is not signed by the key of ${origin}`);
  }
  return { checkpoint, note };
}
