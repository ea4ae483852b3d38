// In-process cache of each conversation's placement and membership: every send and read checks
// membership, and fan-out needs the member list, so both must be cheap. The cell stays the
// source of truth; the cache is filled from it and updated by the use cases that change it.
import type { CellRegistry } from '../cells/cell.registry.js';
import type { SubjectClass } from '../cells/placement.js';
import type { RecordLocations } from '../cells/record-location.repository.js';
import { DomainError } from '../errors/catalogue.js';

export interface Member {
  role: 'owner' | 'member' | 'reader';
  lastReadSeq: number;
  /** Set while the membership is a message request from this person (added by a stranger). */
  requestFrom: string | null;
}

/**
 * Who gets live events of a conversation: every member except those still holding it as a
 * message request (a stranger's group does not push into someone's phone); `also` is always in.
 */
export function liveRecipients(conversation: CachedConversation, also?: string): string[] {
  // Per message sent: one loop, no copies of the member list.
  const ids: string[] = [];
  for (const [id, m] of conversation.members) if (m.requestFrom === null || id === also) ids.push(id);
  return ids;
}

export interface CachedConversation {
  id: string;
  cellId: string;
  kind: 'direct' | 'group' | 'channel';
  ownerId: string;
  scopeHome: string;
  scopeClass: SubjectClass;
  members: Map<string, Member>;
}

export interface ConversationCache {
  /** The conversation if it exists, else null. */
  find(id: string): Promise<CachedConversation | null>;
  /** The conversation if `userId` is a member; otherwise NOT_A_MEMBER (no hint whether it exists). */
  forMember(id: string, userId: string): Promise<CachedConversation>;
  /** The cached conversation without loading it (null when not cached). */
  peek(id: string): CachedConversation | null;
  put(conversation: CachedConversation): void;
  forget(id: string): void;
}

export function createConversationCache(cells: CellRegistry, locations: RecordLocations): ConversationCache {
  const cache = new Map<string, CachedConversation>();
  const loading = new Map<string, Promise<CachedConversation | null>>();
  // A conversation that moved to another cell is read again from there.
  locations.onChange((change) => {
    if (change.kind === 'conversation') cache.delete(change.id);
  });

  async function load(id: string): Promise<CachedConversation | null> {
    const cellId = await locations.find('conversation', id);
    if (!cellId || !cells.has(cellId)) return null;
    const db = cells.get(cellId).db;
    const row = await db
      .selectFrom('conversation')
      .select(['id', 'kind', 'owner_id', 'scope_home', 'scope_class', 'cell_id'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const members = await db
      .selectFrom('membership')
      .select(['subject_id', 'role', 'last_read_seq', 'request_from'])
      .where('conversation_id', '=', id)
      .execute();
    return {
      id: row.id,
      cellId: row.cell_id,
      kind: row.kind as CachedConversation['kind'],
      ownerId: row.owner_id,
      scopeHome: row.scope_home,
      scopeClass: row.scope_class as SubjectClass,
      members: new Map(
        members.map((m) => [m.subject_id, { role: m.role as Member['role'], lastReadSeq: Number(m.last_read_seq), requestFrom: m.request_from ?? null }]),
      ),
    };
  }

  async function find(id: string): Promise<CachedConversation | null> {
    const hit = cache.get(id);
    if (hit) return hit;
    let pending = loading.get(id);
    if (!pending) {
      pending = load(id).finally(() => loading.delete(id));
      loading.set(id, pending);
    }
    const loaded = await pending;
    if (loaded && !cache.has(id)) cache.set(id, loaded);
    return cache.get(id) ?? null;
  }

  return {
    find,
    async forMember(id, userId) {
      const conversation = await find(id);
      if (!conversation || !conversation.members.has(userId)) {
        // The same answer for "does not exist" and "not yours": no probing for conversation ids.
        throw new DomainError('NOT_A_MEMBER', 'no such conversation among yours; check the conversation id');
      }
      return conversation;
    },
    peek: (id) => cache.get(id) ?? null,
    put(conversation) {
      cache.set(conversation.id, conversation);
    },
    forget(id) {
      cache.delete(id);
    },
  };
}
