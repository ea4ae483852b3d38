// Response shapes of official accounts.
import { Type } from '@sinclair/typebox';
import { Nullable } from '../schemas.js';

export const OfficialAccount = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  displayName: Type.String(),
  class: Type.Union([Type.Literal('consumer'), Type.Literal('government'), Type.Literal('business')]),
  home: Type.String(),
  followerCount: Type.Integer({ minimum: 0 }),
  following: Type.Boolean(),
  channelId: Nullable(Type.String({ description: 'the conversation its broadcasts go to' })),
});

export const OfficialAccountList = Type.Object({ accounts: Type.Array(OfficialAccount) });
