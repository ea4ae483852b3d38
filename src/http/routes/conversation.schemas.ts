// Response shapes of conversations, members, messages and images (the messaging presenters'
// views), shared by the REST routes and, through the web app's types, the WebSocket frames.
import { Type } from '@sinclair/typebox';
import { CountryCode, Instant, Nullable } from '../schemas.js';
import { User } from './people.schemas.js';

/** Where something is stored: the cell, its jurisdiction and that country's name. */
export const StoredIn = Type.Object({ cell: Type.String(), jurisdiction: CountryCode, country: Type.String({ description: 'the country name, e.g. Japan' }) });

export const MediaRef = Type.Object({ id: Type.String(), contentType: Type.String(), size: Type.Integer({ minimum: 0 }) });

/** A payment sent in the chat, a money request, or what became of a request (kind `payment`). */
export const PaymentCard = Type.Object({
  type: Type.Union([Type.Literal('payment'), Type.Literal('request'), Type.Literal('request_update')]),
  status: Type.String({ description: 'payment: completed or pending; request: open; request_update: accepted, declined or cancelled' }),
  amount: Type.Integer({ description: 'minor units of the currency' }),
  currency: Type.String(),
  note: Nullable(Type.String()),
  payerId: Type.String(),
  payeeId: Type.String(),
  paymentId: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
});

export const Message = Type.Object({
  id: Type.String(),
  conversationId: Type.String(),
  seq: Type.Integer({ minimum: 1 }),
  senderId: Type.String(),
  kind: Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('system'), Type.Literal('payment')]),
  text: Nullable(Type.String()),
  media: Nullable(MediaRef),
  card: Nullable(PaymentCard),
  createdAt: Instant,
});

export const Conversation = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('direct'), Type.Literal('group'), Type.Literal('channel')]),
  title: Type.String(),
  memberCount: Type.Integer({ minimum: 0 }),
  storedIn: StoredIn,
  imagesStoredIn: Type.Composite([StoredIn], { description: "where this conversation's images are kept: the placement rules may put them elsewhere" }),
  lastSeq: Type.Integer({ minimum: 0 }),
  lastReadSeq: Type.Integer({ minimum: 0 }),
  lastMessage: Nullable(Message),
  requestFrom: Nullable(Type.String({ description: 'a message request: the user (not among your contacts) who added you; accept or decline it. Null for an ordinary membership' })),
  createdAt: Instant,
});

export const ConversationList = Type.Object({
  conversations: Type.Array(Conversation),
  nextCursor: Nullable(Type.String({ description: 'pass as cursor for the next page; null on the last page' })),
});

export const Member = Type.Composite([User, Type.Object({ lastReadSeq: Type.Integer({ minimum: 0 }), role: Type.String({ description: 'owner, member or reader' }) })]);

export const MemberList = Type.Object({ members: Type.Array(Member) });

export const MessagePage = Type.Object({
  messages: Type.Array(Message),
  nextBefore: Nullable(Type.Integer({ description: 'pass as before for the next older page' })),
});

/** An uploaded image, to send with a message as mediaId. */
export const StoredMedia = MediaRef;

export const Ok = Type.Object({ ok: Type.Literal(true) });

/** The abuse report a reported message opened (its reference and reason code only). */
const CaseStatus = Type.Union([Type.Literal('pending'), Type.Literal('open'), Type.Literal('closed')]);

export const ReportOpened = Type.Object({
  caseRef: Type.String(),
  status: CaseStatus,
  reason: Type.String(),
  createdAt: Instant,
});

/** A support ticket as its person sees it. */
export const TicketView = Type.Object({ ref: Type.String(), status: CaseStatus, reason: Type.String(), createdAt: Instant });
