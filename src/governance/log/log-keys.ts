// The signing key of each cell's access log: one Ed25519 key per cell, made on first start and
// kept as a C2SP signer key in `<dataDir>/keys/<cell>.log.key` (mode 0600). The key's name is
// the log's origin. The secret never leaves this module except as a signer.
import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '../../errors/catalogue.js';
import { writeSecretFileOnce } from '../../crypto/secret-file.js';
import { decodeBase64Strict } from './base64.js';
import { formatVerifierKey, generateKeyPair, parseSignerKey, parseVerifierKey, publicKeyFromSeed, type NoteSigner, type NoteVerifier } from './note.js';

export interface LogKey {
  /** The key name, which is the log's origin. */
  readonly origin: string;
  readonly signer: NoteSigner;
  readonly verifier: NoteVerifier;
  /** `name+hex(keyid)+base64(0x01 ‖ public key)`. */
  readonly verifierKey: string;
}

/** `<deployment>/log/<cell>`: names the deployment and the cell, as tlog-checkpoint asks. */
export function logOrigin(deployment: string, cellId: string): string {
  return `${deployment}/log/${cellId}`;
}

export function logKeyFile(dataDir: string, cellId: string): string {
  return path.join(dataDir, 'keys', `${cellId}.log.key`);
}

/** The verifier key string of a signer key string. */
export function verifierKeyOf(signerKey: string): string {
  // PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>; the name has no '+', base64 may.
  const rest = signerKey.slice('PRIVATE+KEY+'.length);
  const nameEnd = rest.indexOf('+');
  const idEnd = rest.indexOf('+', nameEnd + 1);
  const encoded = decodeBase64Strict(rest.slice(idEnd + 1));
  if (nameEnd < 0 || idEnd < 0 || encoded === undefined || encoded.length !== 33) {
    throw new DomainError('LOG_INCONSISTENT', 'the log signer key is malformed');
  }
  return formatVerifierKey(rest.slice(0, nameEnd), publicKeyFromSeed(encoded.subarray(1)));
}

function fromSignerKey(signerKey: string, file: string): LogKey {
  let signer: NoteSigner;
  try {
    signer = parseSignerKey(signerKey);
  } catch {
    throw new DomainError('LOG_INCONSISTENT', `${file} does not hold a valid log signer key`);
  }
  const verifierKey = verifierKeyOf(signerKey);
  return { origin: signer.name, signer, verifier: parseVerifierKey(verifierKey), verifierKey };
}

/** Reads the cell's key, or returns null when it has none yet. Refuses a key others can read. */
export function readLogKey(props: { dataDir: string; cellId: string }): LogKey | null {
  const file = logKeyFile(props.dataDir, props.cellId);
  let text: string;
  try {
    const mode = fs.statSync(file).mode;
    if ((mode & 0o077) !== 0) {
      throw new DomainError('LOG_INCONSISTENT', `${file} is readable by other users; run chmod 600 on it`);
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return fromSignerKey(text.trim(), file);
}

/**
 * The cell's key, made on first use. Creation is exclusive and synced (file and folder) before
 * any checkpoint is signed with it, so a crash can never leave checkpoints whose key is lost.
 */
export function loadOrCreateLogKey(props: { dataDir: string; cellId: string; origin: string }): LogKey {
  const existing = readLogKey(props);
  if (existing) return existing;
  const file = logKeyFile(props.dataDir, props.cellId);
  const { signerKey } = generateKeyPair(props.origin);
  if (!writeSecretFileOnce(file, `${signerKey}\n`)) return readLogKey(props) as LogKey;
  return fromSignerKey(signerKey, file);
}
