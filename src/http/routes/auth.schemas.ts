// Response shapes of sign-up, sign-in and session management.
import { Type } from '@sinclair/typebox';
import { Instant } from '../schemas.js';
import { User } from './people.schemas.js';

export const SignedIn = Type.Object({
  token: Type.String({ description: 'the session token: send it as Authorization: Bearer <token>' }),
  session: Type.Object({ id: Type.String() }),
  user: User,
});

export const SessionInfo = Type.Object({
  id: Type.String(),
  createdAt: Instant,
  lastSeenAt: Instant,
  current: Type.Boolean({ description: 'the session this request was made with' }),
});

export const SessionList = Type.Object({ sessions: Type.Array(SessionInfo) });

export const SignedOutEverywhere = Type.Object({ revokedSessions: Type.Integer({ description: 'sessions ended, this one included' }) });

export const PasswordChanged = Type.Object({ revokedSessions: Type.Integer({ description: 'other sessions signed out by the change' }) });
