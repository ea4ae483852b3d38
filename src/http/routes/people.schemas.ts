// Response shapes of people: a user's public profile (the presenter's UserView), and lists of them.
import { Type } from '@sinclair/typebox';

/** What anyone signed in may see of a user: no contact data, no login secrets. */
export const User = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  displayName: Type.String(),
  home: Type.String({ description: 'home jurisdiction, ISO 3166-1 alpha-2' }),
  kind: Type.Union([Type.Literal('user'), Type.Literal('official')]),
  class: Type.Union([Type.Literal('consumer'), Type.Literal('government'), Type.Literal('business')]),
  hasAvatar: Type.Boolean(),
});

export const ContactList = Type.Object({ contacts: Type.Array(User) });
