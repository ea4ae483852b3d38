// Export of one cell's access log as static files in the C2SP tlog-tiles layout: the latest
// checkpoint, every hash tile and every entry bundle of its tree, so any tlog-tiles client can
// verify the snapshot offline with the cell's verifier key. The export recomputes the root as it
// writes and refuses a snapshot that does not match the checkpoint it ships. Beside the tiles it
// writes `openings.jsonl`: per entry, the ids and salts that open the leaf's subject and operator
// commitments (docs/access-log.md), so an auditor can count people and operators from the export
// alone. Like the entry bundles, an export is for auditors, not for the public.
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { CellDatabase } from '../../cells/cell.database.js';
import { DomainError, isDomainError } from '../../errors/catalogue.js';
import { openCheckpoint } from './checkpoint.js';
import { isLogError } from './errors.js';
import { latestCheckpointRow, readLogIdentity, readTile } from './log.repository.js';
import { readOpenedEntries, type OpenedEntry } from './log.openings.js';
import { bytesEqual, CompactRange, HASH_SIZE, leafHash } from './merkle.js';
import { parseVerifierKey } from './note.js';
import { encodeEntryBundle, formatTilePath, hashTilesForSize, TILE_HEIGHT, TILE_WIDTH } from './tiles.js';

export interface ExportCellLogProps {
  cellId: string;
  db: Kysely<CellDatabase>;
  outDir: string;
  onProgress?: (done: number, total: number) => void;
}

export interface LogExport {
  readonly origin: string;
  readonly treeSize: number;
  readonly files: number;
}

function refuse(cellId: string, why: string): DomainError {
  return new DomainError('LOG_INCONSISTENT', `cannot export the access log of cell ${cellId}: ${why}; run \`domicile log verify --cell ${cellId}\``);
}

export async function exportCellLog(props: ExportCellLogProps): Promise<LogExport> {
  const { cellId, db, outDir } = props;
  const identity = await readLogIdentity(db);
  const row = await latestCheckpointRow(db);
  if (!identity || !row) throw new DomainError('NOT_FOUND', `the access log of cell ${cellId} has no checkpoint yet; start the service once`);
  let treeSize: number;
  let rootHash: Uint8Array;
  try {
    ({ treeSize, rootHash } = openCheckpoint(row.note, [parseVerifierKey(identity.verifierKey)], identity.origin).checkpoint);
  } catch (err) {
    if (isLogError(err)) throw refuse(cellId, `its latest checkpoint does not verify (${err.message})`);
    throw err;
  }

  const write = (relative: string, bytes: Uint8Array | string): void => {
    const file = path.join(outDir, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  };

  const hashTiles = hashTilesForSize(treeSize);
  const bundles = Math.ceil(treeSize / TILE_WIDTH);
  const total = hashTiles.length + bundles;
  let done = 0;
  const range = new CompactRange();

  // Tiles are written from storage (what the log serves) but only after checking them against
  // the tree recomputed from the entries, so an export never ships hashes its entries contradict.
  const upper = new Map<string, Buffer>();
  const onNode = (level: number, index: number, hash: Buffer): void => {
    if (level > 0 && level % TILE_HEIGHT === 0) upper.set(`${level}/${index}`, hash);
  };
  const tileHashes = async (level: number, index: number, width: number): Promise<Buffer[]> => {
    const row = await readTile(db, level, index);
    // The stored tile may have grown past the checkpoint; its first `width` hashes are the tile.
    if (!row || row.width < width) throw refuse(cellId, `hash tile ${level}/${index} is missing or short`);
    return Array.from({ length: width }, (_, i) => row.nodes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  };

  const openings: string[] = [];
  for (let index = 0; index < bundles; index++) {
    const from = index * TILE_WIDTH;
    const width = Math.min(TILE_WIDTH, treeSize - from);
    const rows = await openedOrRefused(cellId, db, from, from + width);
    if (rows.length !== width || rows.some((r, i) => r.idx !== from + i)) throw refuse(cellId, `entries ${from}..${from + width - 1} are incomplete`);
    const entries = rows.map((r) => Buffer.from(r.leaf, 'utf8'));
    const leaves = await tileHashes(0, index, width);
    entries.forEach((entry, i) => {
      const leaf = leafHash(entry);
      if (!bytesEqual(leaf, leaves[i] as Buffer)) throw refuse(cellId, `entry ${from + i} does not match its leaf hash`);
      range.append(leaf, onNode);
    });
    openings.push(...rows.flatMap(openingLine));
    write(formatTilePath({ kind: 'entries', index, width }), encodeEntryBundle(entries));
    write(formatTilePath({ kind: 'hash', level: 0, index, width }), Buffer.concat(leaves));
    done += 2;
    props.onProgress?.(done, total);
  }
  if (!bytesEqual(range.root(), rootHash)) throw refuse(cellId, `the stored entries do not match the checkpoint at size ${treeSize}`);

  for (const tile of hashTiles) {
    if (tile.level === 0) continue;
    const hashes = await tileHashes(tile.level, tile.index, tile.width);
    hashes.forEach((hash, i) => {
      const index = tile.index * TILE_WIDTH + i;
      const expected = upper.get(`${tile.level * TILE_HEIGHT}/${index}`);
      if (!expected || !bytesEqual(expected, hash)) throw refuse(cellId, `hash tile ${formatTilePath(tile)} does not match the entries`);
    });
    write(formatTilePath(tile), Buffer.concat(hashes));
    props.onProgress?.(++done, total);
  }
  write('openings.jsonl', openings.join(''));
  // The checkpoint goes last: a reader that finds it finds every tile it names.
  write('checkpoint', row.note);
  return { origin: identity.origin, treeSize, files: total + 1 };
}

/** A stored leaf or opening that does not decode is a log that must not be exported. */
async function openedOrRefused(cellId: string, db: Kysely<CellDatabase>, from: number, to: number): Promise<OpenedEntry[]> {
  try {
    return await readOpenedEntries(db, from, to);
  } catch (err) {
    if (isDomainError(err) && err.code === 'INVALID_ACCESS_ENTRY') throw refuse(cellId, err.message);
    throw err;
  }
}

/** One JSON line for an entry with commitments: `{ idx, actor: { id, salt } | null, subjects: [{ id, salt }] }`. */
function openingLine({ idx, openings }: OpenedEntry): string[] {
  const subjects = openings.subjects.filter((s) => s.salt !== null).sort((a, b) => a.id.localeCompare(b.id));
  if (!openings.actor && subjects.length === 0) return [];
  return [`${JSON.stringify({ idx, actor: openings.actor, subjects })}\n`];
}
