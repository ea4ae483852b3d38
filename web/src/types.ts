// Wire types of the Domicile v1 API as the browser sees them. The HTTP shapes are not kept here:
// they are the server's response schemas (src/http/routes/*.schemas.ts), which are also what
// the server serialises with, so the app's types cannot drift from what it is sent. Only the
// WebSocket frames, which have no HTTP schema, are spelled out, from those same shapes.
import type { Static } from '@sinclair/typebox';
import type { SessionInfo as SessionInfoSchema, SignedIn } from '../../src/http/routes/auth.schemas.js';
import type {
  Conversation as ConversationSchema,
  MediaRef as MediaRefSchema,
  Member as MemberSchema,
  Message as MessageSchema,
  MessagePage as MessagePageSchema,
  PaymentCard as PaymentCardSchema,
  StoredIn as StoredInSchema,
} from '../../src/http/routes/conversation.schemas.js';
import type { AccessEntry as AccessEntrySchema, AccessesPage as AccessesPageSchema, AccessItem as AccessItemSchema, LogKeys as LogKeysSchema } from '../../src/http/routes/log.schemas.js';
import type { OfficialAccount as OfficialAccountSchema } from '../../src/http/routes/official.schemas.js';
import type {
  AcceptResult as AcceptResultSchema,
  HistoryItem as HistoryItemSchema,
  HistoryPage as HistoryPageSchema,
  PayRequest as PayRequestSchema,
  Payment as PaymentSchema,
  Wallet as WalletSchema,
} from '../../src/http/routes/pay.schemas.js';
import type { User as UserSchema } from '../../src/http/routes/people.schemas.js';
import type {
  Consent as ConsentSchema,
  ConsentHistoryItem as ConsentHistoryItemSchema,
  Disclosure as DisclosureSchema,
  PersonIncidentList as PersonIncidentListSchema,
  TransferRecord as TransferRecordSchema,
} from '../../src/http/routes/privacy.schemas.js';
import type {
  ForeignHandling as ForeignHandlingSchema,
  ForeignHandlingCategory as ForeignHandlingCategorySchema,
  ForeignHandlingJurisdiction as ForeignHandlingJurisdictionSchema,
  Notice as NoticeSchema,
  NoticeDestination as NoticeDestinationSchema,
  NoticeRecipient as NoticeRecipientSchema,
} from '../../src/http/routes/transparency.schemas.js';

export type User = Static<typeof UserSchema>;
export type Member = Static<typeof MemberSchema>;
export type StoredIn = Static<typeof StoredInSchema>;
export type MediaRef = Static<typeof MediaRefSchema>;
export type Message = Static<typeof MessageSchema>;
export type Conversation = Static<typeof ConversationSchema>;
export type OfficialAccount = Static<typeof OfficialAccountSchema>;
export type AuthResult = Static<typeof SignedIn>;
export type Session = AuthResult['session'];
export type SessionInfo = Static<typeof SessionInfoSchema>;
export type MessagePage = Static<typeof MessagePageSchema>;
export type PaymentCard = Static<typeof PaymentCardSchema>;

// --- Domicile Pay: wallet, history, payments and money requests
export type Wallet = Static<typeof WalletSchema>;
export type HistoryItem = Static<typeof HistoryItemSchema>;
export type HistoryPage = Static<typeof HistoryPageSchema>;
export type Payment = Static<typeof PaymentSchema>;
export type PayRequest = Static<typeof PayRequestSchema>;
export type AcceptResult = Static<typeof AcceptResultSchema>;

/** Frames the server sends on /v1/ws (docs/api.md). */
export type ServerFrame =
  | { type: 'ready'; user: User }
  | { type: 'message'; message: Message }
  | { type: 'ack'; clientId: string; message: Message }
  | { type: 'receipt'; conversationId: string; userId: string; seq: number }
  | {
      type: 'membership';
      conversationId: string;
      userId: string;
      change: 'added' | 'removed';
      conversation: Conversation | null;
    }
  | { type: 'caught-up' }
  | { type: 'error'; code: string; message: string; clientId?: string; details?: Record<string, unknown> }
  | { type: 'pong' };

/** Frames the browser sends on /v1/ws. */
export type ClientFrame =
  | { type: 'hello'; token: string; cursors?: Record<string, number> }
  | { type: 'send'; clientId: string; conversationId: string; text: string }
  | { type: 'send'; clientId: string; conversationId: string; mediaId: string }
  | { type: 'read'; conversationId: string; seq: number }
  | { type: 'ping' };

// --- transfers abroad: notices, consents, transfer records, disclosure (privacy centre)

export type NoticeRecipient = Static<typeof NoticeRecipientSchema>;
export type NoticeDestination = Static<typeof NoticeDestinationSchema>;
export type Notice = Static<typeof NoticeSchema>;

/** The `details` of a TRANSFER_CONSENT_REQUIRED error: the notice to show before sending. */
export interface ConsentRequired {
  noticeId: string;
  noticeVersion: number;
  destination?: string;
  recipient?: string;
  category?: string;
  purpose?: string;
}

export type Consent = Static<typeof ConsentSchema>;
export type ConsentHistoryItem = Static<typeof ConsentHistoryItemSchema>;
export type TransferRecord = Static<typeof TransferRecordSchema>;
export type Disclosure = Static<typeof DisclosureSchema>;
/** The incidents that concern the signed-in person (GET /v1/me/incidents). */
export type PersonIncidents = Static<typeof PersonIncidentListSchema>;
export type PersonIncident = PersonIncidents['incidents'][number];

/** One access-log entry as the log stores it (canonical JSON, ids only). */
export type AccessEntry = Static<typeof AccessEntrySchema>;
export type AccessItem = Static<typeof AccessItemSchema>;
export type AccessesPage = Static<typeof AccessesPageSchema>;
export type LogKeys = Static<typeof LogKeysSchema>;

export type ForeignHandlingCategory = Static<typeof ForeignHandlingCategorySchema>;
export type ForeignHandlingJurisdiction = Static<typeof ForeignHandlingJurisdictionSchema>;
export type ForeignHandling = Static<typeof ForeignHandlingSchema>;
