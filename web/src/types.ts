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
  | { type: 'error'; code: string; message: string; clientId?: string }
  | { type: 'pong' };

/** Frames the browser sends on /v1/ws. */
export type ClientFrame =
  | { type: 'hello'; token: string; cursors?: Record<string, number> }
  | { type: 'send'; clientId: string; conversationId: string; text: string }
  | { type: 'send'; clientId: string; conversationId: string; mediaId: string }
  | { type: 'read'; conversationId: string; seq: number }
  | { type: 'ping' };
