// Auditors, who may read access-log entry bundles. Until operators exist an auditor is a named
// bearer token; the directory keeps only the token's SHA-256, so a copy of the database grants
// nothing. The token is shown once, when it is made.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DirectoryDatabase } from '../../cells/cell.database.js';
import { DomainError } from '../../errors/catalogue.js';

export interface Auditor {
  readonly id: string;
  readonly name: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;
const TOKEN_PREFIX = 'dla_';

function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Adds an auditor and returns its token, which is not stored and cannot be shown again. */
export async function addAuditor(props: { db: Kysely<DirectoryDatabase>; name: string; now?: Date }): Promise<Auditor & { token: string }> {
  const name = props.name.trim();
  if (!NAME.test(name)) {
    throw new DomainError('VALIDATION_FAILED', 'an auditor name is 1–64 letters, digits, spaces and . _ @ -, starting with a letter or digit');
  }
  const taken = await props.db.selectFrom('auditor').select('id').where('name', '=', name).executeTakeFirst();
  if (taken) throw new DomainError('ALREADY_EXISTS', `an auditor named "${name}" already exists`);
  const id = `aud_${crypto.randomBytes(6).toString('hex')}`;
  const token = `${TOKEN_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
  await props.db
    .insertInto('auditor')
    .values({ id, name, token_hash: tokenHash(token), created_at: (props.now ?? new Date()).toISOString(), revoked_at: null })
    .execute();
  return { id, name, token };
}

/** The auditor holding `token`, or null for an unknown or revoked token. */
export async function authenticateAuditor(props: { db: Kysely<DirectoryDatabase>; token: string }): Promise<Auditor | null> {
  if (!props.token.startsWith(TOKEN_PREFIX)) return null;
  const row = await props.db
    .selectFrom('auditor')
    .select(['id', 'name'])
    .where('token_hash', '=', tokenHash(props.token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ?? null;
}
