// The pure core of a migration's proof: manifest lines (RFC 8785 `{"category","id","sha256"}`,
// sorted by id), their RFC 9162 tree hash, the receipt document, its Ed25519 signature over the
// RFC 8785 bytes of `receipt`, and the checks an auditor runs with the receipt, the manifest and
// the published key. No I/O.
import { canonicalJson, canonicalJsonBytes } from '../log/canonical.js';
import { decodeBase64Strict, encodeBase64 } from '../log/base64.js';
import { leafHash, rootOf } from '../log/merkle.js';
import { parseVerifierKey, type NoteSigner } from '../log/note.js';

export interface ManifestEntry {
  readonly category: string;
  readonly id: string;
  /** Lower-case hex SHA-256 of the record's plaintext. */
  readonly sha256: string;
}

export interface CategoryCount {
  readonly records: number;
  readonly bytes: number;
}

export interface LogCheckpointRef {
  readonly origin: string;
  readonly size: number;
  /** Base64 root hash. */
  readonly root: string;
}

export interface Receipt {
  readonly job: string;
  readonly deployment: string;
  readonly home: string;
  readonly categories: readonly string[];
  readonly from: { readonly cells: readonly string[]; readonly jurisdictions: readonly string[] };
  readonly to: { readonly cell: string; readonly jurisdiction: string };
  readonly counts: Readonly<Record<string, CategoryCount>>;
  readonly manifestRoot: string;
  readonly placementVersion: { readonly before: number; readonly after: number };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly checkpoints: readonly LogCheckpointRef[];
}

export interface SignedReceipt {
  readonly receipt: Receipt;
  /** Base64 Ed25519 signature over the RFC 8785 bytes of `receipt`. */
  readonly signature: string;
  /** The destination cell's log verifier key, signed-note format. */
  readonly key: string;
}

/** The manifest's lines, sorted by id (code-unit order, as RFC 8785 sorts keys). */
export function manifestLines(entries: readonly ManifestEntry[]): string[] {
  return [...entries]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((e) => canonicalJson({ category: e.category, id: e.id, sha256: e.sha256 }));
}

/** Base64 RFC 9162 tree hash over the lines (UTF-8, no newline) as leaves, in order. */
export function manifestRoot(lines: readonly string[]): string {
  return encodeBase64(rootOf(lines.map((line) => leafHash(Buffer.from(line, 'utf8')))));
}

/** Records and bytes per category of the manifest's entries. */
export function countsOf(entries: readonly (ManifestEntry & { bytes: number })[]): Record<string, CategoryCount> {
  const counts: Record<string, { records: number; bytes: number }> = {};
  for (const e of entries) {
    const c = (counts[e.category] ??= { records: 0, bytes: 0 });
    c.records++;
    c.bytes += e.bytes;
  }
  return counts;
}

export function signReceipt(receipt: Receipt, signer: NoteSigner, verifierKey: string): SignedReceipt {
  return { receipt, signature: encodeBase64(signer.sign(canonicalJsonBytes(receipt))), key: verifierKey };
}

/** Parses manifest text (one line per entry, a final newline allowed) into its lines. */
export function parseManifest(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * What fails in a signed receipt (and its manifest, when given): an empty list means it holds.
 * `trustedKey`, when given, is the key published by the deployment; the receipt's must equal it.
 */
export function verifyReceipt(props: { signed: unknown; manifest?: string; trustedKey?: string }): string[] {
  const failures: string[] = [];
  const signed = props.signed as Partial<SignedReceipt> | null;
  if (!signed || typeof signed !== 'object' || !signed.receipt || typeof signed.signature !== 'string' || typeof signed.key !== 'string') {
    return ['receipt: not a signed receipt ({"receipt", "signature", "key"})'];
  }
  if (props.trustedKey !== undefined && props.trustedKey !== signed.key) failures.push('key: the receipt is signed by a key other than the published one');
  try {
    const verifier = parseVerifierKey(signed.key);
    const signature = decodeBase64Strict(signed.signature);
    if (!signature || !verifier.verify(canonicalJsonBytes(signed.receipt), signature)) failures.push('signature: does not verify over the RFC 8785 bytes of receipt');
  } catch {
    failures.push('key: not a signed-note Ed25519 verifier key');
  }
  if (props.manifest === undefined) return failures;
  const lines = parseManifest(props.manifest);
  const entries: (ManifestEntry & { bytes: number })[] = [];
  for (const [i, line] of lines.entries()) {
    let entry: ManifestEntry;
    try {
      entry = JSON.parse(line) as ManifestEntry;
    } catch {
      failures.push(`manifest: line ${i + 1} is not JSON`);
      return failures;
    }
    if (canonicalJson({ category: entry.category, id: entry.id, sha256: entry.sha256 }) !== line) {
      failures.push(`manifest: line ${i + 1} is not RFC 8785 {"category","id","sha256"}`);
      return failures;
    }
    if (i > 0 && !((entries[i - 1] as ManifestEntry).id < entry.id)) failures.push(`manifest: line ${i + 1} is out of order (ids must be sorted and unique)`);
    entries.push({ ...entry, bytes: 0 });
  }
  if (manifestRoot(lines) !== signed.receipt.manifestRoot) failures.push('manifestRoot: the manifest\'s tree hash differs from the receipt\'s');
  const counts = countsOf(entries);
  const claimed = signed.receipt.counts ?? {};
  for (const category of new Set([...Object.keys(counts), ...Object.keys(claimed)])) {
    const have = counts[category]?.records ?? 0;
    const want = claimed[category]?.records ?? 0;
    if (have !== want) failures.push(`counts: ${category} has ${have} records in the manifest, the receipt says ${want}`);
  }
  return failures;
}
