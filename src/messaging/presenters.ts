// Presenters: the one place rows become API shapes, shared by REST and realtime.
import type { AccountRow, ConversationRow, MessageRow } from './messaging.tables.js';
import { countryName } from '../cells/countries.js';

export interface UserView {
  id: string;
  handle: string;
  displayName: string;
  home: string;
  kind: 'user' | 'official';
  class: 'consumer' | 'government' | 'business';
  hasAvatar: boolean;
}

/**
 * What a `payment` message shows: a payment sent in the chat, a money request, or what became of
 * a request. Messaging stores and delivers it as message content; Domicile Pay writes it through
 * a small port (src/app/runtime.ts) and keeps the ledger itself where it places payment data.
 */
export interface PaymentCard {
  type: 'payment' | 'request' | 'request_update';
  /** payment: completed/pending; request: open; request_update: accepted/declined/cancelled. */
  status: string;
  amount: number;
  currency: string;
  note: string | null;
  /** Who pays and who is paid (user ids). */
  payerId: string;
  payeeId: string;
  paymentId: string | null;
  requestId: string | null;
}

export interface MessageView {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  kind: 'text' | 'image' | 'system' | 'payment';
  text: string | null;
  media: { id: string; contentType: string; size: number } | null;
  card: PaymentCard | null;
  createdAt: string;
}

export interface StoredIn {
  cell: string;
  jurisdiction: string;
  country: string;
}

export interface ConversationView {
  id: string;
  kind: 'direct' | 'group' | 'channel';
  title: string;
  memberCount: number;
  storedIn: StoredIn;
  /** Where this conversation's images are kept: the placement rules may put them elsewhere. */
  imagesStoredIn: StoredIn;
  lastSeq: number;
  lastReadSeq: number;
  lastMessage: MessageView | null;
  /** Set when this is a message request to the viewer: who added them (not among their contacts). */
  requestFrom: string | null;
  createdAt: string;
}

export function presentUser(row: AccountRow): UserView {
  return {
    id: row.id,
    handle: row.handle,
    displayName: row.display_name,
    home: row.subject_home,
    kind: row.kind as UserView['kind'],
    class: row.class as UserView['class'],
    hasAvatar: row.avatar_media_id !== null,
  };
}

export function presentMessage(row: MessageRow): MessageView {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    senderId: row.subject_id,
    kind: row.kind as MessageView['kind'],
    text: row.text,
    media: row.media_id
      ? { id: row.media_id, contentType: row.media_type ?? 'application/octet-stream', size: Number(row.media_size ?? 0) }
      : null,
    card: row.card === null ? null : (JSON.parse(row.card) as PaymentCard),
    createdAt: row.created_at,
  };
}

export function storedIn(cellId: string, jurisdiction: string): StoredIn {
  return { cell: cellId, jurisdiction, country: countryName(jurisdiction) };
}

export function presentConversation(props: {
  row: ConversationRow;
  jurisdiction: string;
  images: { cell: string; jurisdiction: string };
  title: string;
  memberCount: number;
  lastReadSeq: number;
  lastMessage: MessageView | null;
  requestFrom: string | null;
}): ConversationView {
  return {
    id: props.row.id,
    kind: props.row.kind as ConversationView['kind'],
    title: props.title,
    memberCount: props.memberCount,
    storedIn: storedIn(props.row.cell_id, props.jurisdiction),
    imagesStoredIn: storedIn(props.images.cell, props.images.jurisdiction),
    lastSeq: Number(props.row.last_seq),
    lastReadSeq: props.lastReadSeq,
    lastMessage: props.lastMessage,
    requestFrom: props.requestFrom,
    createdAt: props.row.created_at,
  };
}
