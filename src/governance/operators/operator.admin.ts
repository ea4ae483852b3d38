// Adding and disabling operators, as `domicile operator add|disable` and the console's Operators
// page both do (issue 11): the employer must be a recipient of registries/recipients.json in the
// country given (the broker finds a transfer basis by its registry id); a new operator gets a
// TOTP secret shown once; disabling ends the operator's sessions, and the caller closes their
// sockets at once. An admin cannot disable themselves (the console would lock out its last admin).
import { DomainError } from '../../errors/catalogue.js';
import type { EventActor } from '../journal.js';
import type { OperatorRole } from '../policy/policy.request.js';
import { newTotpSecret } from '../totp.js';
import type { Recipient } from '../transfers/registry.js';
import type { Employer, Operator, Operators } from './operators.js';

/** The registry recipient an employer names (its id or name, any case), in the country given. */
export function employerFrom(recipients: readonly Recipient[], text: string, country: string): Employer {
  const wanted = text.trim().toLowerCase();
  const recipient = recipients.find((r) => r.id.toLowerCase() === wanted || r.name.toLowerCase() === wanted);
  if (!recipient) {
    throw new DomainError('VALIDATION_FAILED', `employer "${text}" is not in the recipients registry (registries/recipients.json); known: ${recipients.map((r) => `${r.name} (${r.id})`).join(', ')}`);
  }
  if (recipient.country !== country) {
    throw new DomainError('VALIDATION_FAILED', `employer country ${country} does not match the recipients registry, which has ${recipient.name} in ${recipient.country}`);
  }
  return { id: recipient.id, entity: recipient.name, country: recipient.country, tier: recipient.tier };
}

/**
 * otpauth:// key URI as authenticator apps read it (SHA-1, 6 digits, 30 s: RFC 6238 defaults).
 * Every part is percent-encoded as RFC 3986 says (a space is %20; URLSearchParams would write the
 * form encoding's "+", which apps show as a literal plus).
 */
export function otpauthUri(props: { issuer: string; account: string; secret: string }): string {
  const label = encodeURIComponent(`${props.issuer}:${props.account}`);
  const params = { secret: props.secret, issuer: props.issuer, algorithm: 'SHA1', digits: '6', period: '30' };
  const query = Object.entries(params).map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
  return `otpauth://totp/${label}?${query}`;
}

export interface AddOperatorInput {
  readonly id: string;
  readonly name: string;
  readonly employer: string;
  readonly employerCountry: string;
  readonly officeCountry: string;
  readonly roles: readonly OperatorRole[];
  readonly password: string;
}

/** Adds an operator (journaled by `operators.create`); the TOTP secret is returned once, here. */
export async function addOperator(props: {
  operators: Pick<Operators, 'create'>;
  recipients: readonly Recipient[];
  input: AddOperatorInput;
  actor: EventActor;
  issuer: string;
}): Promise<{ operator: Operator; totpSecret: string; otpauthUri: string }> {
  const { input } = props;
  const employer = employerFrom(props.recipients, input.employer, input.employerCountry);
  const totpSecret = newTotpSecret();
  const operator = await props.operators.create({
    id: input.id,
    name: input.name.trim(),
    employer,
    officeCountry: input.officeCountry,
    roles: input.roles,
    password: input.password,
    totpSecret,
    actor: props.actor,
  });
  return { operator, totpSecret, otpauthUri: otpauthUri({ issuer: props.issuer, account: operator.id, secret: totpSecret }) };
}

/** Disables an operator by another one and closes the disabled operator's sockets now, not at the next poll. */
export async function disableOperator(props: {
  operators: Pick<Operators, 'disable'>;
  id: string;
  by: Pick<Operator, 'id'>;
  actor: EventActor;
  closeEndedSessions: () => Promise<number>;
}): Promise<{ operator: Operator; revokedSessions: number; alreadyDisabled: boolean }> {
  if (props.id === props.by.id) throw new DomainError('CANNOT_DISABLE_SELF', 'you cannot disable your own account; ask another admin');
  const result = await props.operators.disable({ id: props.id, reason: 'operator disabled', actor: props.actor });
  if (!result) throw new DomainError('NOT_FOUND', `no operator "${props.id}"`);
  await props.closeEndedSessions();
  return result;
}
