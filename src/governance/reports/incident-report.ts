// The draft regulator report of an incident: the access figures (access-report.ts), the trigger
// categories they show, the clocks the home regime's breach rules set from `knownAt` (each with
// time left), and the report items of the PPC Rules (Art. 8) filled from the incident and the
// figures, with what only a person can write marked as such. Pure.
import { countryName } from '../../cells/countries.js';
import { unaffiliatedActor, type AccessEntry } from '../log/entry.js';
import type { BreachRule, Regime } from '../transfers/registry.js';
import type { AccessReport } from './access-report.js';
import type { Incident } from './incidents.js';

export type ReportStage = 'preliminary' | 'final';

export interface ReportTriggers {
  /** Special-care data: Domicile holds no category of it, so false unless one is added. */
  readonly specialCareData: boolean;
  /** Payment or other financial data released: a risk of financial loss. */
  readonly financialLoss: boolean;
  /** Set on the incident by the privacy officer (unauthorised access, insider theft). */
  readonly wrongfulPurpose: boolean;
  readonly overThousandPeople: boolean;
}

export interface ReportDeadline {
  readonly rule: string;
  readonly to: BreachRule['to'];
  readonly authority: string | null;
  readonly stage: BreachRule['stage'];
  /** When it is due (RFC 3339), or null for "promptly" without a number of days. */
  readonly due: string | null;
  /** How the deadline is stated: "72 hours", "30 days", "promptly (about 3–5 days)". */
  readonly stated: string;
  readonly applies: boolean;
  /** Why it applies or not, from the figures and the incident. */
  readonly why: string;
  /** Whole days left until due (negative once overdue); null without a due time. */
  readonly daysLeft: number | null;
  readonly hoursLeft: number | null;
  readonly source: string;
}

export interface ReportItem {
  readonly id: string;
  readonly title: string;
  readonly text: string;
  /** True when a person must still write (or complete) this item. */
  readonly toBeWritten: boolean;
}

export interface IncidentReport extends AccessReport {
  readonly incident: Incident;
  readonly stage: ReportStage;
  readonly triggers: ReportTriggers;
  /** True when any trigger holds: the report to the regulator is required. */
  readonly reportRequired: boolean;
  readonly deadlines: readonly ReportDeadline[];
  readonly items: readonly ReportItem[];
}

/** What the draft says where only a person can answer. */
export const TO_BE_WRITTEN = '[TO BE WRITTEN by the privacy officer]';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function dueOf(rule: BreachRule, known: number): { due: number | null; text: string } {
  const d = rule.deadline;
  switch (d.kind) {
    case 'hours':
      return { due: known + d.hours * HOUR, text: `${d.hours} hours` };
    case 'days':
      return { due: known + d.days * DAY, text: `${d.days} days` };
    case 'promptly':
      return d.guidanceDays ? { due: known + d.guidanceDays.max * DAY, text: `promptly (about ${d.guidanceDays.min}–${d.guidanceDays.max} days)` } : { due: null, text: 'promptly' };
    case 'immediately':
      return { due: known, text: 'immediately' };
    default:
      return { due: null, text: 'without undue delay' };
  }
}

function applies(rule: BreachRule, report: AccessReport, triggers: ReportTriggers, required: boolean): { applies: boolean; why: string } {
  if (rule.to === 'telecom-regulator') {
    return report.contentAccessed
      ? { applies: true, why: 'message contents or media were released (secrecy of communications)' }
      : { applies: false, why: 'no message contents or media were released' };
  }
  // A rule kept for the wrongful-purpose trigger (APPI's 60-day final report) replaces the plain one.
  const wrongfulRule = rule.id.endsWith('-wrongful');
  if (wrongfulRule !== triggers.wrongfulPurpose && rule.stage === 'final') {
    return { applies: false, why: triggers.wrongfulPurpose ? 'a wrongful purpose is suspected: the longer final deadline applies' : 'no wrongful purpose is suspected on the incident' };
  }
  if (report.subjects === 0) return { applies: false, why: 'no one’s data was released in scope' };
  if (!required) return { applies: false, why: 'none of the trigger categories holds' };
  return { applies: true, why: `data of ${report.subjects} ${report.subjects === 1 ? 'person' : 'people'} was released in scope` };
}

export function triggersOf(report: AccessReport, incident: Incident): ReportTriggers {
  return {
    specialCareData: false,
    financialLoss: Object.keys(report.categories).some((c) => c === 'user.financial' || c.startsWith('user.financial.')),
    wrongfulPurpose: incident.wrongfulPurpose,
    overThousandPeople: report.subjects > 1000,
  };
}

export function deadlinesOf(props: { report: AccessReport; incident: Incident; regime: Regime | undefined; triggers: ReportTriggers; now: Date }): ReportDeadline[] {
  const { report, triggers } = props;
  const known = Date.parse(props.incident.knownAt);
  const required = Object.values(triggers).some(Boolean);
  return (props.regime?.breachReporting ?? []).map((rule) => {
    const { due, text } = dueOf(rule, known);
    const left = due === null ? null : due - props.now.getTime();
    return {
      rule: rule.id,
      to: rule.to,
      authority: rule.authority ?? null,
      stage: rule.stage,
      due: due === null ? null : new Date(due).toISOString(),
      stated: text,
      ...applies(rule, report, triggers, required),
      daysLeft: left === null ? null : Math.floor(left / DAY),
      hoursLeft: left === null ? null : Math.floor(left / HOUR),
      source: rule.source,
    };
  });
}

const list = (items: readonly string[]): string => (items.length === 0 ? 'none' : items.join(', '));

function scopeText(report: AccessReport): string {
  const s = report.scope;
  const who = [
    s.actorOutside !== null ? `actors outside ${countryName(s.actorOutside)} (${s.actorOutside})` : null,
    s.actorCountry !== null ? `actors in ${countryName(s.actorCountry)} (${s.actorCountry})` : null,
    s.employer !== null ? `employed by ${s.employer}` : null,
  ].filter((x): x is string => x !== null);
  return `access-log entries about people of ${countryName(s.home)} (${s.home}) from ${s.from} to ${s.to}${who.length > 0 ? ` by ${who.join(', ')}` : ''}`;
}

/** The report items of PPC Rules Art. 8, in order, filled from the figures. */
export function reportItems(report: AccessReport, incident: Incident, triggers: ReportTriggers): ReportItem[] {
  const employers = [...new Set(report.actors.map((a) => (a.employer === null ? 'system jobs' : `${a.employer} (${a.employerCountry ?? '?'})`)))];
  const countries = [...new Set(report.actors.flatMap((a) => a.physicalCountries))].sort();
  const active = report.byMonth.filter((m) => m.entries > 0);
  const triggered = [
    triggers.specialCareData ? '1 (special-care data)' : null,
    triggers.financialLoss ? '2 (risk of financial loss)' : null,
    triggers.wrongfulPurpose ? '3 (possible wrongful purpose)' : null,
    triggers.overThousandPeople ? '4 (more than 1,000 people)' : null,
  ].filter((x): x is string => x !== null);
  return [
    {
      id: 'summary',
      title: 'Summary',
      text:
        `${incident.title}. Became aware on ${incident.knownAt}. Scope: ${scopeText(report)}. ${report.entries} entries (${report.allowedEntries} allowed, ${report.deniedEntries} denied) by ${report.actors.length} actors of ${list(employers)}, from ${list(countries.map((c) => `${countryName(c)} (${c})`))}` +
          `${active.length > 0 ? `, between ${active[0]?.month} and ${active.at(-1)?.month}` : ''}.`,
      toBeWritten: false,
    },
    {
      id: 'data-items',
      title: 'Personal data concerned',
      text: `${list(Object.entries(report.categories).map(([c, n]) => `${c} (${n} records)`))}. Message contents or media released: ${report.contentAccessed ? 'yes' : 'no'}.`,
      toBeWritten: false,
    },
    {
      id: 'people',
      title: 'Number of people',
      text: `${report.subjects} (distinct people and accounts whose data was released in scope).`,
      toBeWritten: false,
    },
    { id: 'cause', title: 'Cause', text: `${TO_BE_WRITTEN} Facts from the log: access by ${list(employers)}; policies and grants are named in each entry.`, toBeWritten: true },
    { id: 'secondary-damage', title: 'Secondary damage or its risk', text: TO_BE_WRITTEN, toBeWritten: true },
    {
      id: 'response-to-people',
      title: 'Response to the people concerned',
      text: `${TO_BE_WRITTEN} ${report.subjects} people are to be notified.`,
      toBeWritten: true,
    },
    { id: 'publication', title: 'Public announcement', text: TO_BE_WRITTEN, toBeWritten: true },
    { id: 'recurrence', title: 'Measures against recurrence', text: TO_BE_WRITTEN, toBeWritten: true },
    { id: 'other', title: 'Other', text: `Trigger categories: ${triggered.length > 0 ? triggered.join('; ') : 'none'}. ${TO_BE_WRITTEN}`, toBeWritten: true },
  ];
}

export function buildIncidentReport(props: { report: AccessReport; incident: Incident; regime: Regime | undefined; stage: ReportStage; now: Date }): IncidentReport {
  const triggers = triggersOf(props.report, props.incident);
  return {
    ...props.report,
    incident: props.incident,
    stage: props.stage,
    triggers,
    reportRequired: Object.values(triggers).some(Boolean),
    deadlines: deadlinesOf({ ...props, triggers }),
    items: reportItems(props.report, props.incident, triggers),
  };
}

/** Subjects per access-log entry (the entry format's limit). */
const SUBJECTS_PER_ENTRY = 1000;

/**
 * The access-log entries of reading an incident's notify list: it names the people affected, so
 * the read is logged in their home log before it is shown (purpose INCIDENT_RESPONSE, the
 * incident as the case), one entry per thousand people. The reader is the deployment's CLI.
 */
export function notifyListReadEntries(props: { incident: Incident; subjects: readonly { subject: string; categories: readonly string[] }[]; actor: string; at: Date; eventId: (n: number) => string }): AccessEntry[] {
  const entries: AccessEntry[] = [];
  for (let i = 0; i < props.subjects.length; i += SUBJECTS_PER_ENTRY) {
    const chunk = props.subjects.slice(i, i + SUBJECTS_PER_ENTRY);
    entries.push({
      eventId: props.eventId(entries.length),
      time: props.at.toISOString(),
      ...unaffiliatedActor(props.actor),
      subjectJurisdiction: props.incident.scope.home,
      subjects: chunk.map((s) => s.subject),
      categories: [...new Set(chunk.flatMap((s) => s.categories))].sort().slice(0, 64),
      fields: [],
      action: 'read',
      purpose: 'INCIDENT_RESPONSE',
      caseRef: props.incident.id,
      grantId: null,
      decision: 'allow',
      policyIds: [],
      released: chunk.length,
    });
  }
  return entries;
}
