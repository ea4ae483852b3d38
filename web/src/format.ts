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

const COUNTRY_NAMES: Record<string, string> = { JP: 'Japan', KR: 'South Korea' };

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
