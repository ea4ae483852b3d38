// Contacts: a person's address book of other users, kept in the person's own cell.
import type { CellRegistry } from '../cells/cell.registry.js';
import type { Subject } from '../cells/directory.js';
import { DomainError } from '../errors/catalogue.js';
import { getUser } from './account.service.js';
import type { MessagingContext } from './messaging.context.js';
import { categories, cellFor, personalColumns, scopeOf } from '../cells/records.js';
import type { UserView } from './presenters.js';

function contactsCell(cells: CellRegistry, actor: Subject) {
  return cellFor(cells, scopeOf(actor), categories.contacts);
}

export async function addContact(props: { ctx: MessagingContext; actor: Subject; handle: string }): Promise<UserView> {
  const handle = props.handle.trim().toLowerCase();
  if (handle === props.actor.id) throw new DomainError('VALIDATION_FAILED', 'you cannot add yourself as a contact');
  const contact = await props.ctx.directory.find(handle);
  if (!contact) throw new DomainError('NOT_FOUND', `no user "${handle}"; check the handle`);
  const cell = contactsCell(props.ctx.cells, props.actor);
  await cell.db
    .insertInto('contact')
    .values({
      contact_id: contact.id,
      created_at: new Date().toISOString(),
      ...personalColumns({ subject: props.actor, scope: scopeOf(props.actor), category: categories.contacts, cell }),
    })
    .onConflict((oc) => oc.columns(['subject_id', 'contact_id']).doNothing())
    .execute();
  return getUser({ ctx: props.ctx, userId: contact.id });
}

export async function listContacts(props: { ctx: MessagingContext; actor: Subject }): Promise<UserView[]> {
  const rows = await contactsCell(props.ctx.cells, props.actor)
    .db.selectFrom('contact')
    .select('contact_id')
    .where('subject_id', '=', props.actor.id)
    .orderBy('created_at')
    .execute();
  const out: UserView[] = [];
  for (const row of rows) {
    const user = await getUser({ ctx: props.ctx, userId: row.contact_id }).catch(() => null);
    if (user) out.push(user);
  }
  return out;
}

export async function removeContact(props: { ctx: MessagingContext; actor: Subject; userId: string }): Promise<void> {
  const result = await contactsCell(props.ctx.cells, props.actor)
    .db.deleteFrom('contact')
    .where('subject_id', '=', props.actor.id)
    .where('contact_id', '=', props.userId)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new DomainError('NOT_FOUND', `${props.userId} is not among your contacts`);
}

/** Of `owners`, those who have `contactId` among their contacts (each asked in their own contacts cell). */
export async function ownersWithContact(props: { ctx: MessagingContext; owners: readonly Subject[]; contactId: string }): Promise<Set<string>> {
  const out = new Set<string>();
  const byCell = new Map<string, { cell: ReturnType<typeof contactsCell>; ids: string[] }>();
  for (const owner of props.owners) {
    const cell = contactsCell(props.ctx.cells, owner);
    const entry = byCell.get(cell.id) ?? { cell, ids: [] };
    entry.ids.push(owner.id);
    byCell.set(cell.id, entry);
  }
  for (const { cell, ids } of byCell.values()) {
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await cell.db.selectFrom('contact').select('subject_id').where('contact_id', '=', props.contactId).where('subject_id', 'in', ids.slice(i, i + 500)).execute();
      for (const row of rows) out.add(row.subject_id);
    }
  }
  return out;
}
