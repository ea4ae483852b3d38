// Small pure helpers of the operator console: country names, the origin label, dates, masking.
import type { Decision, Masking, Origin, ReleasedRecord } from './types.js';

const COUNTRY_NAMES: Record<string, string> = { JP: 'Japan', KR: 'Korea', CN: 'China', US: 'United States' };

export function countryName(code: string | null): string {
  if (!code) return 'an unknown country';
  return COUNTRY_NAMES[code] ?? code;
}

/** The demo-mode source addresses an operator may appear from (README, MACHINE-NOTES). */
export const SIMULATED_ADDRESSES = [
  { address: '133.242.0.1', country: 'JP' },
  { address: '211.43.0.1', country: 'KR' },
  { address: '1.2.4.8', country: 'CN' },
] as const;

/** "Simulated from China · 1.2.4.8 (demo)" or "From Japan · 133.242.0.1". */
export function originLabel(origin: Origin): string {
  const where = `${countryName(origin.country)} · ${origin.address ?? 'unknown address'}`;
  return origin.simulated ? `Simulated from ${where} (demo)` : `From ${where}`;
}

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "in 14 min", "3 min ago". */
export function relative(iso: string | null, now = Date.now()): string {
  if (!iso) return '';
  const diff = Date.parse(iso) - now;
  const minutes = Math.round(Math.abs(diff) / 60_000);
  const span = minutes < 1 ? 'less than a minute' : minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
  return diff >= 0 ? `in ${span}` : `${span} ago`;
}

export function fieldText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) ? formatTime(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export const MASK_LABELS: Record<Exclude<Masking, 'clear'>, string> = {
  redact: 'masked · redacted',
  last4: 'masked · last 4 only',
  hash: 'masked · keyed hash',
};

/** How a released field was masked, from the decision that released its record. */
export function maskingOf(decisions: readonly Decision[], record: ReleasedRecord, field: string): Masking {
  const decision =
    decisions.find((d) => d.decision === 'allow' && d.category === record.category && d.subjects.includes(record.subjectId)) ??
    decisions.find((d) => d.decision === 'allow' && record.category.startsWith(d.category));
  return decision?.masking?.[field] ?? 'clear';
}
