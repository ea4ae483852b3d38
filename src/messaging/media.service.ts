// Images: checked by their bytes, stored in the blob store of the cell the placement rules give
// for `user.content.media` (which may differ from the conversation's cell), served to members.
import crypto from 'node:crypto';
import type { Subject } from '../cells/directory.js';
import { DomainError } from '../errors/catalogue.js';
import { findAccount } from './account.service.js';
import type { CachedConversation } from './conversation.cache.js';
import { isImageType, sniffImageType, type ImageType } from './image.sniff.js';
import { cleanImage } from './image.clean.js';
import type { MessagingContext } from './messaging.context.js';
import { transferPurposes } from '../governance/transfers/transfer.terms.js';
import { authorizeWrite, categories, cellFor, isRecordId, newId, personalColumns, writeWhileMoving, type Scope } from '../cells/records.js';

export const maxImageBytes = 10 * 1024 * 1024;
export const maxAvatarBytes = 5 * 1024 * 1024;

export interface StoredMedia {
  id: string;
  contentType: string;
  size: number;
}

/** The image, decoded and re-encoded without metadata (image.clean.ts), and its type. */
async function checkImage(bytes: Uint8Array, declared: string, limit: number): Promise<{ contentType: ImageType; bytes: Buffer }> {
  if (!isImageType(declared)) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'send the image bytes with Content-Type image/png, image/jpeg, image/gif or image/webp');
  }
  if (bytes.length === 0) throw new DomainError('VALIDATION_FAILED', 'the image is empty');
  if (bytes.length > limit) throw new DomainError('PAYLOAD_TOO_LARGE', `an image may be at most ${limit / 1024 / 1024} MiB`);
  const actual = sniffImageType(bytes);
  if (!actual) throw new DomainError('NOT_AN_IMAGE', 'this file is not a PNG, JPEG, GIF or WebP image');
  if (actual !== declared) {
    throw new DomainError('NOT_AN_IMAGE', `the file is ${actual} but was sent as ${declared}; send it with its real type`);
  }
  return { contentType: actual, bytes: await cleanImage(bytes, actual) };
}

interface StoreProps {
  ctx: MessagingContext;
  owner: Subject;
  scope: Scope;
  conversationId: string | null;
  bytes: Uint8Array;
  contentType: string;
}

/** Stores the image; an upload fenced by a region migration's switch waits for it and lands in the new cell. */
function store(props: StoreProps): Promise<StoredMedia> {
  return writeWhileMoving(props.ctx.cells, () => storeOnce(props));
}

// A refused attempt leaves nothing (its blob and location are removed), so it can run again.
async function storeOnce(props: StoreProps): Promise<StoredMedia> {
  const cell = cellFor(props.ctx.cells, props.scope, categories.media);
  // A file placed in a cell abroad is a transfer of its owner's data: recorded with its basis
  // first, refused with nothing stored when there is none.
  await authorizeWrite(props.ctx.transfers, { subject: props.owner, cell, category: categories.media, purpose: transferPurposes.mediaStorage });
  const id = newId();
  // The location first, then the blob, then its row: a crash in between leaves a location of
  // nothing or an orphan file that the residency scan reports, never a row pointing at nothing.
  const key = await cell.keys.dataKey(props.owner.id, categories.media);
  await props.ctx.directory.locations.place('media', id, cell.id);
  // Stored sealed by the owner's media key, bound to the image's id.
  await cell.blobs.put(id, key.seal(id, props.bytes));
  try {
    await cell.db
      .insertInto('media')
      .values({
        id,
        conversation_id: props.conversationId,
        content_type: props.contentType,
        size: props.bytes.length,
        sha256: crypto.createHash('sha256').update(props.bytes).digest('hex'),
        created_at: new Date().toISOString(),
        ...personalColumns({ subject: props.owner, scope: props.scope, category: categories.media, cell }),
      })
      .execute();
  } catch (err) {
    await cell.blobs.delete(id);
    await props.ctx.directory.locations.forget('media', id);
    throw err;
  }
  return { id, contentType: props.contentType, size: props.bytes.length };
}

export async function uploadConversationImage(props: {
  ctx: MessagingContext;
  actor: Subject;
  conversationId: string;
  contentType: string;
  bytes: Uint8Array;
}): Promise<StoredMedia> {
  const conversation = await props.ctx.conversations.forMember(props.conversationId, props.actor.id);
  if (conversation.kind === 'channel' && conversation.members.get(props.actor.id)?.role !== 'owner') {
    throw new DomainError('READ_ONLY_CONVERSATION', 'only the official account itself can post in its channel');
  }
  const { contentType, bytes } = await checkImage(props.bytes, props.contentType, maxImageBytes);
  return store({
    ctx: props.ctx,
    owner: props.actor,
    scope: { home: conversation.scopeHome, class: conversation.scopeClass },
    conversationId: conversation.id,
    bytes,
    contentType,
  });
}

async function readMedia(ctx: MessagingContext, mediaId: string, conversation: CachedConversation | null): Promise<{ bytes: Buffer; contentType: string }> {
  const notFound = new DomainError('NOT_FOUND', 'no such image');
  const cellId = isRecordId(mediaId) ? await ctx.directory.locations.find('media', mediaId) : null;
  if (!cellId || !ctx.cells.has(cellId)) throw notFound;
  const cell = ctx.cells.get(cellId);
  let query = cell.db.selectFrom('media').select(['id', 'content_type']).where('id', '=', mediaId);
  query = conversation ? query.where('conversation_id', '=', conversation.id) : query.where('conversation_id', 'is', null);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound;
  const sealed = await cell.blobs.get(row.id);
  if (!sealed) throw new DomainError('CELL_UNAVAILABLE', 'the image is missing from its cell; try again later');
  // Null once its owner's media key was shredded: the file is there, but nobody can read it.
  const bytes = await cell.keys.open({ recordId: row.id, category: categories.media, sealed });
  if (!bytes) throw notFound;
  return { bytes, contentType: row.content_type };
}

export async function getConversationImage(props: { ctx: MessagingContext; actor: Subject; conversationId: string; mediaId: string }) {
  const conversation = await props.ctx.conversations.forMember(props.conversationId, props.actor.id);
  return readMedia(props.ctx, props.mediaId, conversation);
}

export async function setAvatar(props: { ctx: MessagingContext; actor: Subject; contentType: string; bytes: Uint8Array }): Promise<void> {
  const { contentType, bytes } = await checkImage(props.bytes, props.contentType, maxAvatarBytes);
  const scope = { home: props.actor.home, class: props.actor.class };
  const stored = await store({ ctx: props.ctx, owner: props.actor, scope, conversationId: null, bytes, contentType });
  const accountCell = cellFor(props.ctx.cells, scope, categories.account);
  const previous = (await findAccount(props.ctx.cells, props.actor)).avatar_media_id;
  await accountCell.db.updateTable('account').set({ avatar_media_id: stored.id }).where('id', '=', props.actor.id).execute();
  const previousCell = previous ? await props.ctx.directory.locations.find('media', previous) : null;
  if (previous && previousCell && props.ctx.cells.has(previousCell)) {
    const cell = props.ctx.cells.get(previousCell);
    await cell.db.deleteFrom('media').where('id', '=', previous).execute();
    await cell.blobs.delete(previous);
    await props.ctx.directory.locations.forget('media', previous);
  }
}

export async function getAvatar(props: { ctx: MessagingContext; userId: string }) {
  const subject = await props.ctx.directory.find(props.userId);
  if (!subject) throw new DomainError('NOT_FOUND', 'no such user');
  const account = await findAccount(props.ctx.cells, subject);
  if (!account.avatar_media_id) throw new DomainError('NOT_FOUND', 'this user has no profile picture');
  return readMedia(props.ctx, account.avatar_media_id, null);
}
