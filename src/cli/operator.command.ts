// `domicile operator …`: add an operator (its TOTP secret is shown once, here, and never again),
// change its roles, list operators without secrets, and disable one, ending its sessions. Adding,
// role changes and disabling are journaled for every jurisdiction's access log. The password comes from
// DOMICILE_OPERATOR_PASSWORD so it never sits in shell history or a process listing. The
// employer must be a recipient of registries/recipients.json: the broker needs its registry id to
// find a transfer basis for what the operator reads.
import type { Config } from '../config/config.js';
import { openRuntime } from '../app/runtime.js';
import { isDomainError } from '../errors/catalogue.js';
import { systemActor } from '../governance/journal.js';
import { employerFrom, otpauthUri } from '../governance/operators/operator.admin.js';
import type { Employer } from '../governance/operators/operators.js';
import { OPERATOR_ROLES, type OperatorRole } from '../governance/policy/policy.request.js';
import { newTotpSecret } from '../governance/totp.js';
import type { CliOutput } from './output.js';
import { operatorUsage } from './usage.js';

export const OPERATOR_PASSWORD_ENV = 'DOMICILE_OPERATOR_PASSWORD';

export interface OperatorCommandOptions {
  id?: string | undefined;
  name?: string | undefined;
  employer?: string | undefined;
  employerCountry?: string | undefined;
  office?: string | undefined;
  roles?: string | undefined;
}

export interface OperatorCommandProps {
  config: Config;
  sub: string | undefined;
  args: readonly string[];
  options: OperatorCommandOptions;
  json: boolean;
  out: CliOutput;
  /** The environment to read the password from; the process's by default (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

function usageError(out: CliOutput, message: string): number {
  out.stderr(`domicile operator: ${message}\n\nUsage:\n${operatorUsage}`);
  return 2;
}

const roleSet: ReadonlySet<string> = new Set(OPERATOR_ROLES);

/** The roles of --roles, or a usage message. */
function parseRoleList(roles: string): OperatorRole[] | string {
  const roleList = roles.split(',').map((r) => r.trim()).filter((r) => r !== '');
  const unknownRoles = roleList.filter((r) => !roleSet.has(r));
  if (roleList.length === 0 || unknownRoles.length > 0) {
    return `${unknownRoles.length > 0 ? `unknown role(s) ${unknownRoles.join(', ')}; ` : ''}--roles takes one or more of ${OPERATOR_ROLES.join(', ')}, comma-separated`;
  }
  return roleList as OperatorRole[];
}

/** Kept here too: tests and scripts import it from the command. */
export { otpauthUri };

async function runAdd(props: OperatorCommandProps): Promise<number> {
  const { id, name, employer, employerCountry, office, roles } = props.options;
  const missing = Object.entries({ id, name, employer, 'employer-country': employerCountry, office, roles })
    .filter(([, v]) => v === undefined || v.trim() === '')
    .map(([k]) => `--${k}`);
  if (missing.length > 0) return usageError(props.out, `operator add needs ${missing.join(', ')}`);
  const password = (props.env ?? process.env)[OPERATOR_PASSWORD_ENV];
  if (!password) return usageError(props.out, `set the new operator's password in the environment variable ${OPERATOR_PASSWORD_ENV} (never on the command line)`);
  const roleList = parseRoleList(roles as string);
  if (typeof roleList === 'string') return usageError(props.out, roleList);
  for (const [flag, value] of [['--employer-country', employerCountry], ['--office', office]] as const) {
    if (!/^[A-Z]{2}$/.test(value as string)) return usageError(props.out, `${flag} must be an ISO 3166-1 alpha-2 country code such as JP (got "${value as string}")`);
  }

  const runtime = await openRuntime(props.config);
  try {
    const recipients = runtime.transfers.registries.recipientsFile.recipients;
    let employerRef: Employer;
    try {
      employerRef = employerFrom(recipients, employer as string, employerCountry as string);
    } catch (err) {
      if (!isDomainError(err)) throw err;
      return usageError(props.out, err.message);
    }
    const totpSecret = newTotpSecret();
    let created;
    try {
      created = await runtime.governance.operators.create({
        id: id as string,
        name: (name as string).trim(),
        employer: employerRef,
        officeCountry: office as string,
        roles: roleList,
        password,
        totpSecret,
        actor: systemActor('system:cli'),
      });
    } catch (err) {
      if (!isDomainError(err)) throw err;
      return usageError(props.out, err.message);
    }
    const uri = otpauthUri({ issuer: `Domicile (${props.config.deployment})`, account: created.id, secret: totpSecret });
    if (props.json) {
      props.out.stdout(JSON.stringify({ operator: { id: created.id, name: created.name, employer: created.employer, officeCountry: created.officeCountry, roles: created.roles }, totpSecret, otpauthUri: uri }, null, 2));
    } else {
      props.out.stdout(
        [
          `Added operator ${created.id} (${created.name}), ${created.employer.entity} (${created.employer.country}), office ${created.officeCountry}, roles ${created.roles.join(', ')}.`,
          '',
          'TOTP secret (shown only now; give it to the operator over a safe channel):',
          `  ${totpSecret}`,
          `  ${uri}`,
        ].join('\n'),
      );
    }
    return 0;
  } finally {
    await runtime.close();
  }
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

async function runList(props: OperatorCommandProps): Promise<number> {
  const runtime = await openRuntime(props.config);
  try {
    const operators = await runtime.governance.operators.list();
    if (props.json) {
      props.out.stdout(
        JSON.stringify({ operators: operators.map((o) => ({ id: o.id, name: o.name, employer: o.employer, officeCountry: o.officeCountry, roles: o.roles, disabled: o.disabled })) }, null, 2),
      );
    } else if (operators.length === 0) {
      props.out.stdout('No operators.');
    } else {
      props.out.stdout(
        table([
          ['ID', 'NAME', 'EMPLOYER', 'EMPLOYER COUNTRY', 'OFFICE', 'ROLES', 'STATUS'],
          ...operators.map((o) => [o.id, o.name, o.employer.entity, o.employer.country, o.officeCountry, o.roles.join(','), o.disabled ? 'disabled' : 'active']),
        ]),
      );
    }
    return 0;
  } finally {
    await runtime.close();
  }
}

async function runDisable(props: OperatorCommandProps): Promise<number> {
  const id = props.args[0];
  if (!id) return usageError(props.out, 'operator disable needs an operator id');
  const runtime = await openRuntime(props.config);
  try {
    // The event waits in the journal; a running server writes it to every jurisdiction's log.
    const result = await runtime.governance.operators.disable({ id, reason: 'operator disabled', actor: systemActor('system:cli') });
    if (!result) return usageError(props.out, `no operator "${id}"`);
    const sessions = `${result.revokedSessions} live session(s) ended`;
    props.out.stdout(result.alreadyDisabled ? `${id} was already disabled; ${sessions}.` : `Disabled ${id}: it can no longer sign in; ${sessions}.`);
    return 0;
  } finally {
    await runtime.close();
  }
}

async function runRoles(props: OperatorCommandProps): Promise<number> {
  const id = props.args[0];
  if (!id) return usageError(props.out, 'operator roles needs an operator id');
  if (props.options.roles === undefined || props.options.roles.trim() === '') return usageError(props.out, 'operator roles needs --roles');
  const roleList = parseRoleList(props.options.roles);
  if (typeof roleList === 'string') return usageError(props.out, roleList);
  const runtime = await openRuntime(props.config);
  try {
    // The event waits in the journal; a running server writes it to every jurisdiction's log.
    const result = await runtime.governance.operators.setRoles({ id, roles: roleList, actor: systemActor('system:cli') });
    if (!result) return usageError(props.out, `no operator "${id}"`);
    const roles = result.operator.roles.join(', ');
    props.out.stdout(result.changed ? `Changed the roles of ${id} to ${roles} (recorded in every jurisdiction's access log).` : `${id} already has the roles ${roles}; nothing changed.`);
    return 0;
  } finally {
    await runtime.close();
  }
}

export async function runOperatorCommand(props: OperatorCommandProps): Promise<number> {
  switch (props.sub) {
    case 'add':
      return runAdd(props);
    case 'roles':
      return runRoles(props);
    case 'list':
      return runList(props);
    case 'disable':
      return runDisable(props);
    default:
      return usageError(props.out, props.sub ? `unknown subcommand "${props.sub}"` : 'which operator command?');
  }
}
