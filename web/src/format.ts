// Presentation helpers shared by the screens: times, day labels, initials, residency wording.
import type { Conversation, StoredIn } from './types.js';

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

export function countryName(code: string): string {
  return COUNTRY_NAMES[code] ?? code;
}

/** The residency badge text, e.g. "Stored in Japan · JP". */
export function residencyLabel(storedIn: StoredIn): string {
  const country = storedIn.country || countryName(storedIn.jurisdiction);
  return `Stored in ${country} · ${storedIn.jurisdiction}`;
}

export function unreadCount(c: Conversation): number {
  return Math.max(0, c.lastSeq - c.lastReadSeq);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
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
