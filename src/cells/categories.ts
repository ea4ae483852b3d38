// The one list of personal-data categories Domicile knows: fideslang's default names where one
// exists (taxonomy as published with fideslang 3.1), and Domicile's own as documented extensions
// under the nearest fideslang parent. Storage, placement, the broker, policies, notices, reports
// and the demo all name categories from here. Pure: no I/O.

export interface CategoryInfo {
  readonly name: string;
  /** The category it refines; null for the root `user`. */
  readonly parent: string | null;
  /** True for a fideslang default category; false for a Domicile extension. */
  readonly isFideslangDefault: boolean;
  /** One line: what the category holds (for an extension, also why it sits where it does). */
  readonly description: string;
}

function fideslang(name: string, parent: string | null, description: string): CategoryInfo {
  return { name, parent, isFideslangDefault: true, description };
}

function extension(name: string, parent: string, description: string): CategoryInfo {
  return { name, parent, isFideslangDefault: false, description };
}

/** The tree, parents before children. */
export const categoryTree: readonly CategoryInfo[] = [
  fideslang('user', null, 'Data related to the user of the system, either provided directly or derived based on their usage.'),
  fideslang('user.account', 'user', 'Account creation or registration information.'),
  fideslang('user.account.username', 'user.account', 'Username associated with account.'),
  extension('user.account.session', 'user.account', 'Sign-in sessions of the account (device label, address, times); account data, so under user.account.'),
  fideslang('user.contact', 'user', 'Contact data collected about a user.'),
  fideslang('user.contact.email', 'user.contact', "User's contact email address."),
  fideslang('user.contact.phone_number', 'user.contact', "User's phone number."),
  fideslang('user.content', 'user', 'Content related to, or created by the subject.'),
  extension('user.content.conversation', 'user.content', 'Conversations (direct, group, channel) the subject created: title, kind, owner.'),
  extension('user.content.conversation.membership', 'user.content.conversation', 'Who belongs to which conversation, and what each member has read.'),
  extension('user.content.message', 'user.content', 'Messages the subject sent: text, kind, time, attached media id.'),
  extension('user.content.media', 'user.content', 'Images and attachments the subject sent, with their blobs.'),
  fideslang('user.device', 'user', "Data related to a user's device, configuration and setting."),
  fideslang('user.device.ip_address', 'user.device', 'Unique identifier related to device connection.'),
  fideslang('user.financial', 'user', 'Payment data and financial history.'),
  fideslang('user.financial.bank_account', 'user.financial', 'Bank account information belonging to the subject.'),
  fideslang('user.financial.credit_card', 'user.financial', 'Credit card information belonging to the subject.'),
  extension('user.financial.wallet', 'user.financial', "The subject's Domicile Pay wallet: its currency and balance."),
  extension(
    'user.financial.payment',
    'user.financial',
    "The wallet's payments sent and received (amount, counterparty, time); under user.financial so that all wallet data has one parent a grant or placement rule can name.",
  ),
  fideslang('user.privacy_preferences', 'user', 'Privacy preferences or settings set by the subject.'),
  extension('user.privacy_preferences.consent', 'user.privacy_preferences', 'Consents to transfers abroad and their withdrawals, with the notice shown (Kantara receipts).'),
  extension(
    'user.privacy_preferences.transfer_record',
    'user.privacy_preferences',
    "Records of each transfer of the subject's data abroad and the basis it rested on (kept three years); they go with the consents they rest on.",
  ),
  fideslang('user.social', 'user', 'Social activity and interaction data.'),
  extension('user.social.contacts', 'user.social', "The subject's contacts list."),
  extension(
    'user.support',
    'user',
    'Support and moderation records about the subject; directly under user because no fideslang branch fits and user.content would put cases under the content-needs-grant policy.',
  ),
  extension('user.support.case', 'user.support', 'Support tickets and abuse reports naming the subject, with their role in each.'),
];

/**
 * The names code uses, by key. Keys stay stable when a name follows fideslang (`phone` names
 * `user.contact.phone_number`), so call sites do not change with the taxonomy.
 */
export const categories = {
  user: 'user',
  account: 'user.account',
  username: 'user.account.username',
  session: 'user.account.session',
  contact: 'user.contact',
  email: 'user.contact.email',
  phone: 'user.contact.phone_number',
  content: 'user.content',
  conversation: 'user.content.conversation',
  membership: 'user.content.conversation.membership',
  message: 'user.content.message',
  media: 'user.content.media',
  device: 'user.device',
  ipAddress: 'user.device.ip_address',
  financial: 'user.financial',
  bankAccount: 'user.financial.bank_account',
  creditCard: 'user.financial.credit_card',
  wallet: 'user.financial.wallet',
  payment: 'user.financial.payment',
  privacy: 'user.privacy_preferences',
  consent: 'user.privacy_preferences.consent',
  transferRecord: 'user.privacy_preferences.transfer_record',
  social: 'user.social',
  contacts: 'user.social.contacts',
  support: 'user.support',
  supportCase: 'user.support.case',
} as const;

export type Category = (typeof categories)[keyof typeof categories];

/**
 * Names used before the categories followed fideslang, and what each became. Stored rows are
 * rewritten by the cell migration `0005_fideslang_categories`; access-log entries keep the old
 * names (the log is immutable), so readers of old entries can translate with this.
 */
export const renamedCategories: Readonly<Record<string, Category>> = {
  'user.contact.phone': categories.phone,
  'user.privacy.consent': categories.consent,
  'user.privacy.transfer_record': categories.transferRecord,
};

const byName: ReadonlyMap<string, CategoryInfo> = new Map(categoryTree.map((c) => [c.name, c]));

/** Every category name, parents before children. */
export const categoryNames: readonly Category[] = categoryTree.map((c) => c.name as Category);

export function isCategory(value: unknown): value is Category {
  return typeof value === 'string' && byName.has(value);
}

export function categoryInfo(name: string): CategoryInfo | undefined {
  return byName.get(name);
}

/** True when a request for `parent` covers `child`: the same category or one below it. */
export function covers(parent: string, child: string): boolean {
  return child === parent || child.startsWith(`${parent}.`);
}

/** The categories directly below `name`. */
export function childrenOf(name: string): Category[] {
  return categoryTree.filter((c) => c.parent === name).map((c) => c.name as Category);
}

/** Every category below `name`, at any depth, parents before children. */
export function descendantsOf(name: string): Category[] {
  return categoryTree.filter((c) => c.name !== name && covers(name, c.name)).map((c) => c.name as Category);
}

/** The parents of `name`, nearest first; empty for the root or an unknown name. */
export function ancestorsOf(name: string): Category[] {
  const out: Category[] = [];
  let parent = byName.get(name)?.parent ?? null;
  while (parent !== null) {
    out.push(parent as Category);
    parent = byName.get(parent)?.parent ?? null;
  }
  return out;
}

/** Why `name` is not a category, for a person to act on: its new name, or the valid ones. */
export function unknownCategoryMessage(name: string): string {
  const shown = JSON.stringify(name.slice(0, 100));
  const renamed = renamedCategories[name];
  return renamed ? `no data category ${shown}: it is now called "${renamed}" (fideslang's name)` : `no data category ${shown}; name one of ${categoryNames.join(', ')}`;
}
