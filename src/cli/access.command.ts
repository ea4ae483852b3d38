// `domicile access …`: cut a jurisdiction off from operator access (or lift it), list the cut-offs,
// and ask the broker a what-if question — the decision, the policies behind it and the masking —
// without reading, releasing or logging anything. Block and unblock write only the directory
// (and a journal event), so they work beside a running server, which picks the change up at its
// next poll (every 250 ms), applies it, ends live sessions from that country and writes it to the
// access logs timed when it took effect. The messages say exactly that: this command records the
// change; the server enforces it.
import { openDirectory } from '../cells/directory.js';
import type { Config } from '../config/config.js';
import { openRuntime } from '../app/runtime.js';
import { isDomainError } from '../errors/catalogue.js';
import { persistBlock } from '../governance/cutoff/cutoff.js';
import { createGovernanceJournal, systemActor } from '../governance/journal.js';
import type { CliOutput } from './output.js';
import { directoryMigrations } from '../app/schema.js';
import { accessUsage } from './usage.js';

export interface AccessCommandProps {
  config: Config;
  sub: string | undefined;
  args: readonly string[];
  options: { operator?: string | undefined; ip?: string | undefined; subject?: string | undefined; category?: string | undefined; purpose?: string | undefined; case?: string | undefined };
  json: boolean;
  out: CliOutput;
}

function usageError(out: CliOutput, message: string): number {
  out.stderr(`${message}\n\nUsage:\n${accessUsage}`);
  return 2;
}

async function runBlock(props: AccessCommandProps, blocked: boolean): Promise<number> {
  const country = props.args[0];
  if (!country || !/^[A-Z]{2}$/.test(country)) return usageError(props.out, `access ${blocked ? 'block' : 'unblock'} needs a country code such as CN`);
  const directory = await openDirectory(props.config.directoryDatabase, directoryMigrations);
  try {
    // No access log is opened here (the server owns them): the event waits in the journal.
    const journal = createGovernanceJournal({ db: directory.db, recorder: null });
    const changed = await persistBlock({
      db: directory.db,
      journal,
      country,
      blocked,
      actor: systemActor('system:cli'),
      jurisdictions: [...new Set(props.config.cells.map((c) => c.jurisdiction))],
      at: new Date().toISOString(),
    });
    if (blocked) {
      props.out.stdout(
        changed
          ? `Recorded a block of ${country}. A running server applies it at its next poll (within 250 ms): from then on it refuses every new operator request from or for ${country}, ends live operator sessions from ${country}, and records the block in every access log at the moment it took effect. Requests decided before that are not affected.`
          : `${country} was already blocked; nothing changed.`,
      );
    } else {
      props.out.stdout(
        changed
          ? `Recorded the lifting of the block of ${country}. A running server records it in every access log and then, at its next poll (within 250 ms), decides operator access from ${country} by the policies again; until then the block holds.`
          : `${country} was not blocked; nothing changed.`,
      );
    }
    return 0;
  } finally {
    await directory.close();
  }
}

async function runBlocks(props: AccessCommandProps): Promise<number> {
  const directory = await openDirectory(props.config.directoryDatabase, directoryMigrations);
  try {
    const rows = await directory.db.selectFrom('jurisdiction_block').selectAll().orderBy('country').execute();
    if (props.json) {
      props.out.stdout(JSON.stringify({ blocked: rows.map((r) => ({ country: r.country, blockedAt: r.blocked_at, blockedBy: r.blocked_by })) }, null, 2));
    } else {
      props.out.stdout(rows.length === 0 ? 'No jurisdiction is blocked.' : rows.map((r) => `${r.country}  blocked ${r.blocked_at} by ${r.blocked_by}`).join('\n'));
    }
    return 0;
  } finally {
    await directory.close();
  }
}

async function runCheck(props: AccessCommandProps): Promise<number> {
  const { operator, ip, subject, category, purpose } = props.options;
  const caseRef = props.options.case;
  const missing = Object.entries({ operator, ip, subject, category, purpose, case: caseRef })
    .filter(([, v]) => v === undefined || v === '')
    .map(([k]) => `--${k}`);
  if (missing.length > 0) return usageError(props.out, `access check needs ${missing.join(', ')}`);
  const runtime = await openRuntime(props.config);
  try {
    const governance = runtime.governance;
    const origin = governance.origin({ peer: ip, forwardedFor: undefined });
    let evaluation;
    try {
      evaluation = await governance.broker.evaluate({
        operatorId: operator as string,
        origin,
        action: 'read',
        purpose: purpose as string,
        caseRef: caseRef as string,
        subjects: [subject as string],
        categories: [category as string],
      });
    } catch (err) {
      if (!isDomainError(err)) throw err;
      props.out.stderr(`domicile access check: ${err.code}: ${err.message}`);
      return 2;
    }
    // One subject, so one decision per category released; a parent such as `user` has several.
    const group = evaluation.groups[0];
    const subjectRef = (await governance.subjectsOf([subject as string])).get(subject as string);
    const decision = evaluation.decision === 'deny' ? 'deny' : 'allow';
    const released = evaluation.groups.map((g) => ({ category: g.category, decision: g.decision, policies: g.policyIds, reasons: g.reasons, masking: g.masking }));
    const report = {
      whatIf: true,
      note: 'nothing was read, released or logged',
      decision,
      // allow | partial | deny over every category the request covers.
      overall: evaluation.decision,
      categories: released,
      policies: group?.policyIds ?? [],
      reasons: group?.reasons ?? [],
      masking: group?.masking ?? null,
      grantId: group?.grantId ?? null,
      operator: evaluation.operator
        ? { id: evaluation.operator.id, employer: evaluation.operator.employer.entity, employerCountry: evaluation.operator.employer.country, officeCountry: evaluation.operator.officeCountry, roles: evaluation.operator.roles }
        : { id: operator, unknown: true },
      address: origin.address,
      physicalCountry: origin.country,
      subject: subjectRef ? { id: subjectRef.id, jurisdiction: subjectRef.home, class: subjectRef.class } : { id: subject },
      category,
      purpose,
      caseRef,
      blocked: governance.cutoff.list(),
    };
    if (props.json) {
      props.out.stdout(JSON.stringify(report, null, 2));
    } else {
      const masking = report.masking ? Object.entries(report.masking).map(([f, m]) => `${f}: ${m}`).join(', ') || '(no fields)' : 'nothing would be released';
      const who = evaluation.operator
        ? `${evaluation.operator.id} (${evaluation.operator.employer.entity}, ${evaluation.operator.employer.country}; office ${evaluation.operator.officeCountry}; roles ${evaluation.operator.roles.join(', ')})`
        : `${operator} (no such operator)`;
      props.out.stdout(
        [
          'What-if — nothing was read, released or logged',
          `operator   ${who}`,
          `from       ${origin.address ?? ip} → ${origin.country ?? 'no known country'}`,
          `subject    ${subjectRef ? `${subjectRef.id} (${subjectRef.home}, ${subjectRef.class})` : subject}`,
          `request    read ${category} for ${purpose}, case ${caseRef}`,
          `decision   ${evaluation.decision.toUpperCase()}`,
          ...(released.length > 1
            ? released.map((g) => `  ${g.category}: ${g.decision.toUpperCase()} (${g.policies.join(', ') || 'none permits it'})${g.masking ? ` — ${Object.entries(g.masking).map(([f, m]) => `${f}: ${m}`).join(', ')}` : ''}`)
            : [
                `policies   ${report.policies.join(', ') || '(none permits it)'}`,
                ...(report.reasons.length > 0 ? [`why        ${report.reasons.join('; ')}`] : []),
                `masking    ${masking}`,
              ]),
        ].join('\n'),
      );
    }
    return decision === 'allow' ? 0 : 1;
  } finally {
    await runtime.close();
  }
}

export async function runAccessCommand(props: AccessCommandProps): Promise<number> {
  switch (props.sub) {
    case 'block':
      return runBlock(props, true);
    case 'unblock':
      return runBlock(props, false);
    case 'blocks':
      return runBlocks(props);
    case 'check':
      return runCheck(props);
    default:
      return usageError(props.out, props.sub ? `unknown access command "${props.sub}"` : 'access needs a command');
  }
}
