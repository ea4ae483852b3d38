// The personal-data categories Domicile stores, in the fideslang taxonomy's dot form.
export const categories = {
  account: 'user.account',
  session: 'user.account.session',
  email: 'user.contact.email',
  phone: 'user.contact.phone',
  contacts: 'user.social.contacts',
  conversation: 'user.content.conversation',
  membership: 'user.content.conversation.membership',
  message: 'user.content.message',
  media: 'user.content.media',
} as const;
