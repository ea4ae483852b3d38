import type { CellRegistry } from '../cells/cell.registry.js';
// Messaging's personal data as the broker's data sources: profiles, contact points, messages
// and image metadata, read from whichever cells hold them. Registered with governance at
// composition; nothing here decides who may see what — the broker does, before it calls read.
import type { Cell } from '../cells/cell.registry.js';
import type { SubjectClass } from '../cells/placement.js';
import type { SubjectDataSource, SubjectDataSources, SubjectRecord, SubjectRef } from '../governance/broker/subject-data.js';
import type { MessagingContext } from './messaging.context.js';
import { categories } from '../cells/records.js';
import { openMessageRows } from './message.repository.js';

const IN_CHUNK = 500;

function chunks<T>(items: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Records of these subjects from every cell (a person's messages and images sit in the cells of
 * their conversations, wherever those are), up to `limit`; `readChunk` reads one cell for up to
 * IN_CHUNK subject ids, at most `remaining` records.
 */
async function readEveryCell(
  ctx: MessagingContext,
  subjects: readonly SubjectRef[],
  limit: number,
  readChunk: (cell: Cell, ids: string[], remaining: number) => Promise<SubjectRecord[]>,
): Promise<SubjectRecord[]> {
  const out: SubjectRecord[] = [];
  const ids = subjects.map((s) => s.id);
  for (const cell of ctx.cells.all()) {
    for (const chunk of chunks(ids)) {
      out.push(...(await readChunk(cell, chunk, limit - out.length)));
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** Subjects grouped by the cell their rows of `category` are placed in. */
function byCell(cells: CellRegistry, subjects: readonly SubjectRef[], category: string): Map<Cell, SubjectRef[]> {
  const out = new Map<Cell, SubjectRef[]>();
  for (const subject of subjects) {
    const id = cells.placement.cellFor({ home: subject.home, class: subject.class as SubjectClass, category });
    if (!id || !cells.has(id)) continue;
    const cell = cells.get(id);
    const list = out.get(cell) ?? [];
    list.push(subject);
    out.set(cell, list);
  }
  return out;
}

function accountSource(ctx: MessagingContext): SubjectDataSource {
  return {
    category: categories.account,
    fields: ['handle', 'displayName', 'kind', 'class', 'home', 'createdAt'],
    async read({ subjects, limit }) {
      const out: SubjectRecord[] = [];
      for (const [cell, group] of byCell(ctx.cells, subjects, categories.account)) {
        for (const ids of chunks(group.map((s) => s.id))) {
          const rows = await cell.db
            .selectFrom('account')
            .select(['id', 'handle', 'display_name', 'kind', 'class', 'subject_home', 'created_at'])
            .where('id', 'in', ids)
            .execute();
          for (const row of rows) {
            out.push({
              subjectId: row.id,
              recordId: row.id,
              values: { handle: row.handle, displayName: row.display_name, kind: row.kind, class: row.class, home: row.subject_home, createdAt: row.created_at },
            });
          }
          if (out.length >= limit) return out.slice(0, limit);
        }
      }
      return out;
    },
  };
}

function contactSource(ctx: MessagingContext): SubjectDataSource {
  return {
    category: categories.contact,
    fields: ['email', 'phone'],
    fieldCategories: { email: categories.email, phone: categories.phone },
    async read({ subjects, limit }) {
      // Rules may place e-mail and phone apart, so both placements are read.
      const cells = new Map<Cell, Set<string>>();
      for (const category of [categories.email, categories.phone]) {
        for (const [cell, group] of byCell(ctx.cells, subjects, category)) {
          const set = cells.get(cell) ?? new Set<string>();
          for (const s of group) set.add(s.id);
          cells.set(cell, set);
        }
      }
      const bySubject = new Map<string, { email: string | null; phone: string | null }>();
      for (const [cell, ids] of cells) {
        for (const chunk of chunks([...ids])) {
          const rows = await cell.db.selectFrom('contact_point').select(['subject_id', 'kind', 'value']).where('subject_id', 'in', chunk).orderBy('created_at').execute();
          for (const row of rows) {
            const entry = bySubject.get(row.subject_id) ?? { email: null, phone: null };
            if (row.kind === 'email' && entry.email === null) entry.email = row.value;
            if (row.kind === 'phone' && entry.phone === null) entry.phone = row.value;
            bySubject.set(row.subject_id, entry);
          }
        }
      }
      const out: SubjectRecord[] = [];
      for (const subject of subjects) {
        const entry = bySubject.get(subject.id);
        if (entry) out.push({ subjectId: subject.id, recordId: `contact/${subject.id}`, values: entry });
        if (out.length >= limit) break;
      }
      return out;
    },
  };
}

function messageSource(ctx: MessagingContext): SubjectDataSource {
  return {
    category: categories.message,
    fields: ['conversationId', 'seq', 'kind', 'createdAt', 'text', 'mediaId'],
    read({ subjects, records, limit }) {
      return readEveryCell(ctx, subjects, limit, async (cell, chunk, remaining) => {
        let query = cell.db
          .selectFrom('message')
          .select(['id', 'subject_id', 'conversation_id', 'seq', 'kind', 'created_at', 'text', 'media_id'])
          .where('subject_id', 'in', chunk)
          .orderBy('created_at')
          .limit(remaining);
        if (records) query = query.where('id', 'in', [...records]);
        return (await openMessageRows(cell, await query.execute())).map((row) => ({
          subjectId: row.subject_id,
          recordId: row.id,
          values: { conversationId: row.conversation_id, seq: Number(row.seq), kind: row.kind, createdAt: row.created_at, text: row.text, mediaId: row.media_id },
        }));
      });
    },
  };
}

function mediaSource(ctx: MessagingContext): SubjectDataSource {
  return {
    category: categories.media,
    fields: ['conversationId', 'contentType', 'size', 'sha256', 'createdAt'],
    read({ subjects, records, limit }) {
      return readEveryCell(ctx, subjects, limit, async (cell, chunk, remaining) => {
        let query = cell.db
          .selectFrom('media')
          .select(['id', 'subject_id', 'conversation_id', 'content_type', 'size', 'sha256', 'created_at'])
          .where('subject_id', 'in', chunk)
          .orderBy('created_at')
          .limit(remaining);
        if (records) query = query.where('id', 'in', [...records]);
        return (await query.execute()).map((row) => ({
          subjectId: row.subject_id,
          recordId: row.id,
          values: { conversationId: row.conversation_id, contentType: row.content_type, size: Number(row.size), sha256: row.sha256, createdAt: row.created_at },
        }));
      });
    },
  };
}

/** Registers messaging's sources with the broker's registry. */
export function registerMessagingSources(sources: SubjectDataSources, ctx: MessagingContext): void {
  sources.register(accountSource(ctx));
  sources.register(contactSource(ctx));
  sources.register(messageSource(ctx));
  sources.register(mediaSource(ctx));
}
