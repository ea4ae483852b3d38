// Operator authentication at the edge: an operator token becomes `request.operatorAuth`
// (operator, session, and where this request physically comes from), or 401 before any handler.
// Data routes then go to the broker, which decides and logs even a refusal; control routes
// (grants, blocks, cases) also require the request to come from the operator's declared office
// country and not from a blocked one.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../errors/catalogue.js';
import type { Cutoff } from '../governance/cutoff/cutoff.js';
import type { Governance } from '../governance/governance.js';
import type { Operator, Operators, OperatorSession } from '../governance/operators/operators.js';
import type { RequestOrigin } from '../governance/operators/origin.js';
import type { OperatorRole } from '../governance/policy/policy.request.js';
import { bearerToken } from './auth.js';

export interface OperatorAuth {
  operator: Operator;
  session: OperatorSession;
  origin: RequestOrigin;
}

/**
 * What the operator edge needs to know who calls and from where: token check, origin and the
 * cut-off. Nothing in it reads personal data; every operator route is given this and, for data,
 * the broker.
 */
export interface OperatorGate {
  operators: Pick<Operators, 'authenticate'>;
  cutoff: Pick<Cutoff, 'isBlocked' | 'list'>;
  origin: Governance['origin'];
}

/** The gate of a composed governance. */
export function operatorGate(governance: Pick<Governance, 'operators' | 'cutoff' | 'origin'>): OperatorGate {
  return {
    operators: { authenticate: (token) => governance.operators.authenticate(token) },
    cutoff: { isBlocked: (country) => governance.cutoff.isBlocked(country), list: () => governance.cutoff.list() },
    origin: (props) => governance.origin(props),
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    operatorAuth: OperatorAuth | null;
  }
}

/** Header a demo-mode operator on loopback sets to appear from another address. */
export const SIMULATED_ADDRESS_HEADER = 'x-domicile-simulated-address';

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Where this HTTP request physically comes from. */
export function requestOrigin(gate: Pick<OperatorGate, 'origin'>, request: FastifyRequest): RequestOrigin {
  return gate.origin({
    peer: request.socket.remoteAddress,
    forwardedFor: request.headers['x-forwarded-for'],
    simulatedAddress: header(request.headers[SIMULATED_ADDRESS_HEADER]),
  });
}

export function requireOperator(gate: OperatorGate) {
  return async function operatorHook(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new DomainError('UNAUTHENTICATED', 'sign in as an operator first: send Authorization: Bearer <operator token>');
    const { operator, session } = await gate.operators.authenticate(token);
    request.operatorAuth = { operator, session, origin: requestOrigin(gate, request) };
  };
}

export function operatorOf(request: FastifyRequest): OperatorAuth {
  if (!request.operatorAuth) throw new DomainError('UNAUTHENTICATED', 'sign in as an operator first');
  return request.operatorAuth;
}

/**
 * The request must come from a known country, the operator's declared office country, and not
 * from (or for an operator established in) a blocked jurisdiction.
 */
export function checkLocation(gate: Pick<OperatorGate, 'cutoff'>, operator: Operator, origin: RequestOrigin): void {
  if (origin.country === null) {
    throw new DomainError('LOCATION_UNKNOWN', 'the country of your source address cannot be determined (private, loopback or unknown address); operator access needs a known country');
  }
  const blocked = [origin.country, operator.officeCountry, operator.employer.country].find((c) => gate.cutoff.isBlocked(c));
  if (blocked) throw new DomainError('JURISDICTION_BLOCKED', `operator access from or for ${blocked} is cut off`);
  if (origin.country !== operator.officeCountry) {
    throw new DomainError('LOCATION_MISMATCH', `this request comes from ${origin.country} but your declared office is in ${operator.officeCountry}`);
  }
}

export function requireHere(gate: Pick<OperatorGate, 'cutoff'>) {
  return async function locationHook(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const { operator, origin } = operatorOf(request);
    checkLocation(gate, operator, origin);
  };
}

export function requireRole(operator: Operator, roles: readonly OperatorRole[], what: string): void {
  if (!operator.roles.some((r) => roles.includes(r))) {
    throw new DomainError('FORBIDDEN', `${what} needs the ${roles.join(' or ')} role`);
  }
}
