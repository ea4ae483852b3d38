// A cell's key ring: data keys per (subject, category), made on first use, stored only wrapped by
// the cell's master key, and kept unwrapped in a bounded in-memory cache for the hot paths. It
// seals records with AES-256-GCM bound to their record id and category, opens them, destroys a
// subject's keys (crypto-shredding: every copy of what they sealed becomes unreadable), and
// rewraps every data key under a new master (rotation) without touching the data. Re-encrypting
// a record for another cell is `reseal` (open here, seal there).
import { newId } from '../ids.js';
import type { MasterKey, MasterKeyStore } from './master-key.js';
import type { DataKeyRepository, DataKeyRow } from './data-key.repository.js';
import { fromSealedText, newDataKey, openBytes, recordSealer, sealedKeyId, type DataKeyBinding } from './sealing.js';

/** One unwrapped data key, held for a short stretch of work (a batch, a transaction). */
export interface DataKeyHandle {
  readonly id: string;
  readonly subjectId: string;
  readonly category: string;
  seal(recordId: string, plaintext: Uint8Array): Buffer;
  sealText(recordId: string, text: string): string;
}

export interface OpenProps {
  readonly recordId: string;
  readonly category: string;
}

export interface KeyRing {
  readonly cellId: string;
  /**
   * The subject's key for `category`, made (and stored, wrapped) on first use. Call it before a
   * transaction, never inside one: making a key writes to the cell.
   */
  dataKey(subjectId: string, category: string): Promise<DataKeyHandle>;
  /** The plaintext of a sealed record, or null when its key is destroyed or it was sealed for another record. */
  open(props: OpenProps & { sealed: Uint8Array }): Promise<Buffer | null>;
  /**
   * A text column's value: sealed text opens (null once shredded); a value stored before sealing
   * began passes through until the start-up migration seals it.
   */
  openText(props: OpenProps & { value: string }): Promise<string | null>;
  /** Destroys the subject's data keys (of the categories `pick` chooses); returns the categories shredded. */
  shred(props: { subjectId: string; pick?: (category: string) => boolean }): Promise<string[]>;
  /** `shred` for many subjects at once: one transaction and one scrub of the database's files (a migration's batch). */
  shredMany(subjects: readonly { subjectId: string; pick: (category: string) => boolean }[]): Promise<void>;
  /** Rewraps every data key under a new master, then retires the old one; returns how many were rewrapped. */
  rotate(props?: { settleMs?: number }): Promise<{ rewrapped: number; masterId: string }>;
  /** Drops cached keys when another process shredded or rotated since the last look. */
  refresh(): Promise<void>;
}

interface KeyParts {
  readonly id: string;
  readonly subjectId: string;
  readonly category: string;
  readonly key: Buffer;
}

/** An unwrapped key with its handle, made once: the hot paths seal with it, record after record. */
interface CachedKey extends KeyParts {
  readonly handle: DataKeyHandle;
}

/** Unwrapped keys kept in memory: 32 bytes each, so the cap bounds memory to a few MB. */
const cacheLimit = 50_000;

function withHandle(k: KeyParts): CachedKey {
  const sealer = recordSealer({ key: k.key, keyId: k.id, category: k.category });
  return { ...k, handle: { id: k.id, subjectId: k.subjectId, category: k.category, seal: sealer.seal, sealText: sealer.sealText } };
}

export async function openKeyRing(props: {
  cellId: string;
  masters: MasterKeyStore;
  repository: DataKeyRepository;
  /** Run after keys are destroyed, so the database's own files keep no copy of them. */
  scrub?: () => Promise<void>;
}): Promise<KeyRing> {
  const { cellId, masters, repository } = props;
  const byId = new Map<string, CachedKey>();
  const active = new Map<string, string>();
  const making = new Map<string, Promise<CachedKey>>();
  const pairOf = (subjectId: string, category: string) => `${subjectId}\u0000${category}`;
  let seenEpoch = await repository.epoch();

  const bindingOf = (row: Pick<DataKeyRow, 'id' | 'subject_id' | 'category'>): DataKeyBinding => ({ cellId, keyId: row.id, subjectId: row.subject_id, category: row.category });

  function remember(parts: KeyParts): CachedKey {
    const k = withHandle(parts);
    if (byId.size >= cacheLimit) {
      const oldest = byId.values().next().value as CachedKey;
      forget(oldest);
    }
    byId.set(k.id, k);
    active.set(pairOf(k.subjectId, k.category), k.id);
    return k;
  }

  function forget(k: CachedKey): void {
    byId.delete(k.id);
    if (active.get(pairOf(k.subjectId, k.category)) === k.id) active.delete(pairOf(k.subjectId, k.category));
    // Not zeroed: a handle taken before may still be sealing with it (a zeroed key would seal
    // under a key everyone knows); the bytes go with the last reference.
  }

  function clear(): void {
    for (const k of [...byId.values()]) forget(k);
  }

  /** Unwraps a stored key; a rotation finishing meanwhile is met by reading the row again. */
  async function unwrap(row: DataKeyRow): Promise<CachedKey> {
    for (let attempt = 0; ; attempt++) {
      const master = await masters.byId(row.master_id);
      const key = master ? await master.unwrap(bindingOf(row), Buffer.from(row.wrapped, 'base64')) : null;
      if (key) return remember({ id: row.id, subjectId: row.subject_id, category: row.category, key });
      const again = attempt === 0 ? await repository.byId(row.id) : undefined;
      if (!again) throw new Error(`data key ${row.id} of cell ${cellId} cannot be unwrapped: its master key ${row.master_id} is not this cell's`);
      row = again;
    }
  }

  /**
   * Finds or makes the keys of many pairs at once: one lookup, one insert (one commit) for all
   * the new ones — a burst of first messages from new senders costs one write, not one each.
   */
  async function makeMany(pairs: readonly { subjectId: string; category: string }[]): Promise<Map<string, CachedKey>> {
    const out = new Map<string, CachedKey>();
    for (const row of await repository.bySubjects(pairs)) out.set(pairOf(row.subject_id, row.category), await unwrap(row));
    const missing = pairs.filter((p) => !out.has(pairOf(p.subjectId, p.category)));
    if (missing.length === 0) return out;
    const master = await masters.current();
    const fresh = new Map<string, { row: DataKeyRow; key: Buffer }>();
    for (const { subjectId, category } of missing) {
      const id = newId();
      const key = newDataKey();
      const wrapped = await master.wrap({ cellId, keyId: id, subjectId, category }, key);
      fresh.set(id, { key, row: { id, subject_id: subjectId, category, master_id: master.id, wrapped: wrapped.toString('base64'), created_at: new Date().toISOString() } });
    }
    await repository.insertIfAbsent([...fresh.values()].map((f) => f.row));
    // Another process may have made some first: the stored key is the key.
    for (const row of await repository.bySubjects(missing)) {
      const ours = fresh.get(row.id);
      out.set(pairOf(row.subject_id, row.category), ours ? remember({ id: row.id, subjectId: row.subject_id, category: row.category, key: ours.key }) : await unwrap(row));
    }
    return out;
  }

  /** Requests made in the same turn of the event loop share one makeMany. */
  let queued: { subjectId: string; category: string; resolve: (k: CachedKey) => void; reject: (err: unknown) => void }[] = [];
  function make(subjectId: string, category: string): Promise<CachedKey> {
    return new Promise((resolve, reject) => {
      queued.push({ subjectId, category, resolve, reject });
      if (queued.length > 1) return;
      queueMicrotask(() => {
        const batch = queued;
        queued = [];
        makeMany(batch).then(
          (made) => {
            for (const q of batch) {
              const k = made.get(pairOf(q.subjectId, q.category));
              if (k) q.resolve(k);
              else q.reject(new Error(`the data key of ${q.subjectId} for ${q.category} vanished while it was made`));
            }
          },
          (err: unknown) => {
            for (const q of batch) q.reject(err);
          },
        );
      });
    });
  }

  async function byKeyId(id: string): Promise<CachedKey | null> {
    const hit = byId.get(id);
    if (hit) return hit;
    const row = await repository.byId(id);
    return row ? unwrap(row) : null;
  }

  async function open(p: OpenProps & { sealed: Uint8Array }): Promise<Buffer | null> {
    const keyId = sealedKeyId(p.sealed);
    const k = keyId === null ? null : await byKeyId(keyId);
    if (!k || k.category !== p.category) return null;
    return openBytes({ key: k.key, recordId: p.recordId, category: p.category, sealed: p.sealed });
  }

  /** Deletes the keys, forgets them here, scrubs the files they were in, and takes the new epoch as seen. */
  async function destroy(subjects: readonly { subjectId: string; pick: (category: string) => boolean }[]): Promise<DataKeyRow[]> {
    const destroyed = await repository.destroyMany(subjects);
    for (const row of destroyed) {
      const k = byId.get(row.id);
      if (k) forget(k);
    }
    if (destroyed.length > 0) await props.scrub?.();
    seenEpoch = await repository.epoch();
    return destroyed;
  }

  async function rewrapAll(next: MasterKey, known: Map<string, MasterKey>): Promise<number> {
    let count = 0;
    for (;;) {
      const rows = await repository.notWrappedBy(next.id, 500);
      if (rows.length === 0) return count;
      for (const row of rows) {
        let master = known.get(row.master_id);
        if (!master) {
          master = (await masters.byId(row.master_id)) ?? undefined;
          if (!master) throw new Error(`data key ${row.id} of cell ${cellId} is wrapped by master ${row.master_id}, which this cell no longer has`);
          known.set(master.id, master);
        }
        const key = await master.unwrap(bindingOf(row), Buffer.from(row.wrapped, 'base64'));
        if (!key) throw new Error(`data key ${row.id} of cell ${cellId} does not unwrap with its master ${row.master_id}`);
        const wrapped = await next.wrap(bindingOf(row), key);
        key.fill(0);
        if (await repository.rewrap(row, next.id, wrapped.toString('base64'))) count++;
      }
    }
  }

  return {
    cellId,
    async dataKey(subjectId, category) {
      const pair = pairOf(subjectId, category);
      const cachedId = active.get(pair);
      const cached = cachedId === undefined ? undefined : byId.get(cachedId);
      if (cached) return cached.handle;
      let pending = making.get(pair);
      if (!pending) {
        pending = make(subjectId, category).finally(() => making.delete(pair));
        making.set(pair, pending);
      }
      return (await pending).handle;
    },
    open,
    async openText(p) {
      const sealed = fromSealedText(p.value);
      if (sealed === null) return p.value;
      const plain = await open({ recordId: p.recordId, category: p.category, sealed });
      return plain === null ? null : plain.toString('utf8');
    },
    async shred({ subjectId, pick = () => true }) {
      const destroyed = await destroy([{ subjectId, pick }]);
      return [...new Set(destroyed.map((r) => r.category))].sort();
    },
    async shredMany(subjects) {
      if (subjects.length > 0) await destroy(subjects);
    },
    async rotate(options = {}) {
      const current = await masters.current();
      const known = new Map<string, MasterKey>([[current.id, current]]);
      const next = await masters.beginRotation();
      let rewrapped = await rewrapAll(next, known);
      await masters.completeRotation();
      // A process that read the old master just before the rotation began may still store a
      // key wrapped by it; the old master, held here in memory only, rewraps those stragglers.
      await new Promise((r) => setTimeout(r, options.settleMs ?? 1000));
      rewrapped += await rewrapAll(next, known);
      await repository.bumpEpoch();
      return { rewrapped, masterId: next.id };
    },
    async refresh() {
      const epoch = await repository.epoch();
      if (epoch !== seenEpoch) {
        seenEpoch = epoch;
        clear();
      }
    },
  };
}

/** A record sealed in one cell's ring, re-encrypted for another's (a region migration's copy step). */
export async function reseal(props: { from: KeyRing; to: KeyRing; subjectId: string; category: string; recordId: string; sealed: Uint8Array }): Promise<Buffer | null> {
  const plain = await props.from.open({ recordId: props.recordId, category: props.category, sealed: props.sealed });
  if (plain === null) return null;
  const key = await props.to.dataKey(props.subjectId, props.category);
  return key.seal(props.recordId, plain);
}

/** A sealed text column's value re-encrypted for another cell; null once shredded. */
export async function resealText(props: { from: KeyRing; to: KeyRing; subjectId: string; category: string; recordId: string; value: string }): Promise<string | null> {
  const plain = await props.from.openText({ recordId: props.recordId, category: props.category, value: props.value });
  if (plain === null) return null;
  return (await props.to.dataKey(props.subjectId, props.category)).sealText(props.recordId, plain);
}
