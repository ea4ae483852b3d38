// Wire types of the Domicile v1 API as the browser sees them (docs/api.md is the source of truth).

export type Jurisdiction = 'JP' | 'KR';

export interface User {
  id: string;
  handle: string;
  displayName: string;
  home: string;
  kind: 'user' | 'official';
  class: 'consumer' | 'government' | 'business';
  hasAvatar: boolean;
}

export interface Member extends User {
  lastReadSeq: number;
}

export interface StoredIn {
  cell: string;
  jurisdiction: string;
  country: string;
}

export interface MediaRef {
  id: string;
  contentType: string;
  size: number;
}

export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  kind: 'text' | 'image' | 'system';
  text: string | null;
  media: MediaRef | null;
  createdAt: string;
}

export interface Conversation {
  id: string;
  kind: 'direct' | 'group' | 'channel';
  title: string;
  memberCount: number;
  storedIn: StoredIn;
  imagesStoredIn: StoredIn;
  lastSeq: number;
  lastReadSeq: number;
  lastMessage: Message | null;
  createdAt: string;
}

export interface OfficialAccount {
  id: string;
  handle: string;
  displayName: string;
  class: 'government' | 'business';
  home: string;
  followerCount: number;
  following: boolean;
  channelId: string;
}

export interface Session {
  id: string;
}

export interface AuthResult {
  token: string;
  session: Session;
  user: User;
}

export interface SessionInfo {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

export interface MessagePage {
  messages: Message[];
  nextBefore: number | null;
}

/** Frames the server sends on /v1/ws. */
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

export interface NoticeRecipient {
  id: string;
  name: string;
  role?: string;
  measures?: { version: number; summary: string };
}

export interface NoticeDestination {
  country: string;
  countryName: string;
  regimeInfo?: { regime: string; version: number; summary: string; source?: string; asOf?: string };
  recipients: NoticeRecipient[];
}

/** The notice document (schemas/notice.schema.json); only the parts the app shows are typed. */
export interface Notice {
  noticeId: string;
  version: number;
  language: string;
  effectiveFrom: string;
  homeJurisdiction: string;
  service?: string;
  policyUrl?: string;
  controller?: { name: string; country: string; contact?: { name?: string; email?: string; phone?: string; url?: string } };
  purpose: { code: string; description: string; categories?: string[] };
  dataCollected: { category: string; description: string; sensitive?: boolean }[];
  use?: string;
  transfers: { description?: string; destinations?: NoticeDestination[] };
  retention?: { period?: string; description?: string };
  basis?: { type: string; description?: string };
  rights?: { description?: string; howToExercise?: string };
  choices?: { howToView?: string; howToWithdraw?: string };
  inquiries?: { contact?: string; complaints?: string };
  risks?: string[];
}

export interface ConsentRequired {
  noticeId: string;
  noticeVersion: number;
  destination?: string;
  recipient?: string;
  category?: string;
  purpose?: string;
}

export interface Consent {
  receiptId: string;
  noticeId: string;
  noticeVersion: number;
  purpose: string;
  destinations: string[];
  recipients: { id: string; name: string; country: string }[];
  status: 'given' | 'withdrawn' | 'superseded';
  givenAt: string;
  withdrawnAt: string | null;
  receipt: Record<string, unknown>;
}

export interface ConsentHistoryItem {
  kind: 'given' | 'withdrawn';
  at: string;
  noticeId: string;
  noticeVersion: number;
  receiptId: string;
}

export interface TransferRecord {
  id: string;
  day: string;
  destination: string;
  recipient: { id: string; name: string };
  category: string;
  purpose: string;
  items: number;
  basis: 'approved-destination' | 'conforming-system' | 'consent';
  basisRef: string;
  consentRef: string | null;
  firstAt: string;
  lastAt: string;
  keepUntil: string;
}

export interface Disclosure {
  generatedAt: string;
  subject: { id: string; kind: string; home: string; class: string };
  held: { category: string; records: number; storedIn: { cell: string; country: string; countryName: string; records: number }[] }[];
  storedIn: string[];
}

/** One access-log entry as the log stores it (canonical JSON, ids only). */
export interface AccessEntry {
  eventId: string;
  time: string;
  actor: string;
  actorEmployer: string;
  actorEmployerCountry: string;
  actorOfficeCountry: string;
  actorPhysicalCountry: string;
  subjectJurisdiction: string;
  subjects: string[];
  categories: string[];
  fields: string[];
  action: string;
  purpose: string;
  caseRef: string | null;
  grantId: string | null;
  decision: 'allow' | 'deny';
  policyIds: string[];
  released: number;
}

export interface AccessItem {
  index: number;
  entry: AccessEntry;
  canonical: string;
  leafHash: string;
  inclusionProof: string[] | null;
}

export interface AccessesPage {
  cell: string;
  origin: string;
  checkpoint: { size: number; rootHash: string; note: string };
  accesses: AccessItem[];
  nextBefore: number | null;
}

export interface LogKeys {
  deployment: string;
  logs: { cell: string; jurisdiction: string; origin: string; key: string; prefix: string }[];
}

export interface ForeignHandlingCategory {
  category: string;
  storedIn: string[];
  accessedFrom: string[];
  transferredTo: string[];
  accessesFromUnknownCountry: number;
  accesses: number;
}

export interface ForeignHandlingJurisdiction {
  home: string;
  name: string;
  storedIn: string[];
  accessedFrom: string[];
  transferredTo: string[];
  accessesFromUnknownCountry: number;
  foreignCountries: { country: string; name: string; storedCategories: string[]; accessedCategories: string[]; transferredCategories: string[] }[];
  onlyHome: boolean;
  statement: string;
  categories: ForeignHandlingCategory[];
}

export interface ForeignHandling {
  generatedAt: string;
  window: { from: string; to: string; months: number };
  sources: string[];
  jurisdictions: ForeignHandlingJurisdiction[];
}
