// The fixed terms of transfers shared by the gate, its callers and the reports: purpose codes
// (they match the `purpose.code` of the notices that ask for consent), the data categories of
// the transfer module's own rows, and how long a transfer record is kept.

import type { SubjectRef } from '../../cells/records.js';
import { categories } from '../../cells/categories.js';

/** Why data crosses a border; a consent counts only for a notice with the same purpose code. */
export const transferPurposes = {
  /** A message stored in a conversation kept in another jurisdiction. */
  messaging: 'MESSAGING',
  /** Images and attachments kept in another jurisdiction's blob store. */
  mediaStorage: 'MEDIA_STORAGE',
  /** Payment data (wallet, postings) kept in another jurisdiction's cell. */
  paymentStorage: 'PAYMENT_STORAGE',
} as const;

/** Data categories of the rows this module writes (extensions under fideslang's user.privacy_preferences). */
export const privacyCategories = {
  consent: categories.consent,
  transferRecord: categories.transferRecord,
} as const;

/** APPI Rule 20: records of provision to third parties are kept three years. */
export const transferRecordRetentionYears = 3;

/** The subject whose data moves: their home regime decides which bases count. */
export type TransferSubject = SubjectRef;

/** The day (UTC) a record made at `at` may be deleted: three years on, same calendar day. */
export function keepUntil(at: Date): string {
  const until = new Date(at.getTime());
  until.setUTCFullYear(until.getUTCFullYear() + transferRecordRetentionYears);
  return until.toISOString().slice(0, 10);
}
