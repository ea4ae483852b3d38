// The one presentation module of the browser apps (chat, privacy centre, operator console): dates and
// times, countries, sizes, masked values, and the chat's initials and residency wording. Pure, so the
// same words and stamps appear wherever the same thing is shown.
import type { Conversation, Message, StoredIn, User } from './types.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : timeFormat.format(d);
}

export function formatFull(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : fullFormat.format(d);
}

export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function formatDay(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const startOf = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diffDays = Math.round((startOf(now) - startOf(d)) / 86_400_000);
  if (diffDays === 0) return 'Today';
  if (diffDays === 1) return 'Yesterday';
  return dayFormat.format(d);
}

/** Short stamp for the conversation list: time today, weekday/date otherwise. */
export function formatListStamp(iso: string, now = new Date()): string {
  const label = formatDay(iso, now);
  return label === 'Today' ? formatTime(iso) : label;
}

/** A full stamp to the second for staff work (the console's lists and broker answers); "—" when absent. */
export function formatStamp(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "in 14 min", "3 min ago". */
export function formatRelative(iso: string | null, now = Date.now()): string {
  if (!iso) return '';
  const diff = Date.parse(iso) - now;
  const minutes = Math.round(Math.abs(diff) / 60_000);
  const span = minutes < 1 ? 'less than a minute' : minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
  return diff >= 0 ? `in ${span}` : `${span} ago`;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const first = parts[0]?.[0] ?? '?';
  const second = parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '';
  return (first + second).toUpperCase();
}

const COUNTRY_NAMES: Record<string, string> = {
  JP: 'Japan',
  KR: 'South Korea',
  CN: 'China',
  US: 'United States',
  GB: 'United Kingdom',
  SG: 'Singapore',
  TW: 'Taiwan',
  HK: 'Hong Kong',
  DE: 'Germany',
  FR: 'France',
  IN: 'India',
  VN: 'Vietnam',
};

/** The country's name, or the code itself when the name is not known. */
export function countryName(code: string): string {
  return COUNTRY_NAMES[code] ?? code;
}

/** The residency badge text, e.g. "Stored in Japan · JP". */
export function residencyLabel(storedIn: StoredIn): string {
  const country = storedIn.country || countryName(storedIn.jurisdiction);
  return `Stored in ${country} · ${storedIn.jurisdiction}`;
}

/**
 * A person's name in a chat: as the known users have it, or — in a direct chat whose members are
 * still being read — the chat's title, which is the other person's name; undefined when unknown.
 */
export function nameInChat(id: string, users: Readonly<Record<string, User>>, chat: Pick<Conversation, 'kind' | 'title'>, meId: string): string | undefined {
  return users[id]?.displayName ?? (chat.kind === 'direct' && id !== meId ? chat.title : undefined);
}

/**
 * A system message's text as a person reads it: the server writes the ids of the people it names
 * ("hanako added ken"); each id the chat knows becomes that person's name, the reader's own
 * "You"/"you" ("You added Ken Sato"). Other words, and ids it cannot name, stay as they are.
 */
export function systemText(message: Pick<Message, 'text' | 'senderId'>, users: Readonly<Record<string, User>>, chat: Pick<Conversation, 'kind' | 'title'>, meId: string): string {
  return (message.text ?? '')
    .split(' ')
    .map((word, i) => {
      if (word === meId) return i === 0 ? 'You' : 'you';
      if (word !== message.senderId && !users[word]) return word;
      return nameInChat(word, users, chat, meId) ?? word;
    })
    .join(' ');
}

export function unreadCount(c: Conversation): number {
  return Math.max(0, c.lastSeq - c.lastReadSeq);
}

/** "512 B", "40 KB", "2.5 MB", "10 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
}

/** A stable hue per id so avatars without a picture are still told apart at a glance. */
export function hueFor(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 360;
}

// Names of src/cells/categories.ts. Access-log entries written before the names followed
// fideslang keep the old ones (the log is immutable), so those keep a label too.
const CATEGORY_LABELS: Record<string, string> = {
  user: 'All personal data',
  'user.account': 'Account',
  'user.account.session': 'Sign-in sessions',
  'user.account.username': 'Username',
  'user.contact': 'Contact details',
  'user.contact.email': 'Email address',
  'user.contact.phone_number': 'Phone number',
  'user.contact.phone': 'Phone number',
  'user.content': 'Messages, images and conversations',
  'user.content.conversation': 'Conversations',
  'user.content.conversation.membership': 'Conversation memberships',
  'user.content.message': 'Messages',
  'user.content.media': 'Images and attachments',
  'user.device': 'Device data',
  'user.device.ip_address': 'IP addresses',
  'user.financial': 'Financial data',
  'user.financial.bank_account': 'Bank accounts',
  'user.financial.credit_card': 'Credit cards',
  'user.financial.payment': 'Payments',
  'user.privacy_preferences': 'Privacy choices and transfer records',
  'user.privacy_preferences.transfer_record': 'Records of transfers abroad',
  'user.privacy.transfer_record': 'Records of transfers abroad',
  'user.privacy_preferences.consent': 'Consents',
  'user.privacy.consent': 'Consents',
  'user.social': 'Social data',
  'user.social.contacts': 'Contacts list',
  'user.support': 'Support and moderation',
  'user.support.case': 'Support cases',
};

/** A person-readable name for a data category (the dot path is shown beside it). */
export function categoryLabel(category: string): string {
  return CATEGORY_LABELS[category] ?? category;
}

const PURPOSE_LABELS: Record<string, string> = {
  SUPPORT_CASE: 'Support case',
  ABUSE_REPORT: 'Abuse report',
  INCIDENT_RESPONSE: 'Incident response',
  LEGAL_REQUEST: 'Legal request',
  SERVICE_OPERATION: 'Service operation',
  PAYMENT_SUPPORT: 'Payment support',
  MESSAGING: 'Messaging',
  MEDIA_STORAGE: 'Storing images',
  ABUSE_REVIEW: 'Abuse review',
};

export function purposeLabel(code: string): string {
  return PURPOSE_LABELS[code] ?? code;
}

/** "Japan · JP", or just the code when the name is not known; "unknown" when the server knows no country. */
export function countryWithCode(code: string | null): string {
  if (code === null) return 'unknown';
  const name = countryName(code);
  return name === code ? code : `${name} · ${code}`;
}

/** Where an operator's request comes from, as the server observed it (or simulated it, in demo mode). */
export interface OriginLike {
  address: string | null;
  country: string | null;
  simulated: boolean;
}

/** "Simulated from China · 1.2.4.8 (demo)" or "From Japan · 133.242.0.1". */
export function originLabel(origin: OriginLike): string {
  const where = `${origin.country ? countryName(origin.country) : 'an unknown country'} · ${origin.address ?? 'unknown address'}`;
  return origin.simulated ? `Simulated from ${where} (demo)` : `From ${where}`;
}

/** How the broker masked a released field; `clear` fields are shown as they are. */
export type MaskKind = 'redact' | 'last4' | 'hash';

export const MASK_LABELS: Record<MaskKind, string> = {
  redact: 'masked · redacted',
  last4: 'masked · last 4 only',
  hash: 'masked · keyed hash',
};

/** A released field's value as text: stamps formatted, absent values as "—", structures as JSON. */
export function fieldText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) ? formatStamp(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Digits after the decimal point of a currency's minor unit (JPY and KRW have none). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 0;
  } catch {
    return 0;
  }
}

/** An amount in minor units as money, e.g. 1500 JPY → "¥1,500", 250 EUR → "€2.50". */
export function formatMoney(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(minor / 10 ** digits);
  } catch {
    return `${minor} ${currency}`;
  }
}

/** What a person typed ("1,500", "2.50") in minor units, or null when it is not a positive amount of this currency. */
export function parseMoney(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const clean = text.replace(/[\s,]/g, '');
  const pattern = digits === 0 ? /^\d+$/ : new RegExp(`^\\d+(\\.\\d{1,${digits}})?$`);
  if (!pattern.test(clean)) return null;
  const minor = Math.round(Number(clean) * 10 ** digits);
  return minor > 0 && Number.isSafeInteger(minor) ? minor : null;
}

/** A fresh idempotency key for one payment or request (kept while it is retried). */
export function freshKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
