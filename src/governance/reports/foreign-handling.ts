// The foreign-handling statement (APPI Art. 32 with the guideline on the foreign environment):
// for each data category of each home jurisdiction, the countries where it is stored and the
// countries from which it was accessed or to which it was sent within a window, computed from
// the placement rules, the stored rows, the transfer records and the access log — never typed by
// hand. "Stored and handled only in <home>" is said only when every fact agrees. Pure.

import { renamedCategories } from '../../cells/categories.js';
import type { AccessEntry } from '../log/entry.js';
import type { TransferFlow } from '../transfers/transfer.repository.js';
import type { PlacementFact, StoredFact } from './report.readers.js';

export interface ForeignHandlingInput {
  readonly at: Date;
  readonly since: Date;
  readonly homes: readonly string[];
  readonly countryName: (code: string) => string;
  readonly placement: readonly PlacementFact[];
  readonly stored: readonly StoredFact[];
  readonly accesses: readonly AccessEntry[];
  readonly transfers: readonly TransferFlow[];
}

export interface CategoryStorage {
  readonly country: string;
  /** Subject classes whose own records the placement rules keep in this country. */
  readonly byRule: readonly string[];
  /** Rows of this category about subjects of this home found in a cell there. */
  readonly rows: number;
}

export interface CategoryHandling {
  readonly category: string;
  /** ISO 3166-1 alpha-2 codes, sorted. */
  readonly storedIn: readonly string[];
  readonly accessedFrom: readonly string[];
  readonly transferredTo: readonly string[];
  /** Countries the category was moved home from in the window (a region migration's return). */
  readonly returnedFrom: readonly string[];
  /** Allowed accesses in the window whose actor's physical country was not known. */
  readonly accessesFromUnknownCountry: number;
  readonly storage: readonly CategoryStorage[];
  readonly accesses: number;
}

export interface ForeignCountry {
  readonly country: string;
  readonly name: string;
  readonly storedCategories: readonly string[];
  readonly accessedCategories: readonly string[];
  readonly transferredCategories: readonly string[];
}

export interface HomeHandling {
  readonly home: string;
  readonly name: string;
  readonly storedIn: readonly string[];
  readonly accessedFrom: readonly string[];
  readonly transferredTo: readonly string[];
  readonly accessesFromUnknownCountry: number;
  /** Countries other than the home where its data is stored, accessed from or sent to. */
  readonly foreignCountries: readonly ForeignCountry[];
  /** True only when every category is stored in, accessed from and kept to the home alone. */
  readonly onlyHome: boolean;
  readonly statement: string;
  readonly categories: readonly CategoryHandling[];
}

export interface ForeignHandlingReport {
  readonly generatedAt: string;
  readonly window: { readonly from: string; readonly to: string; readonly months: number | null };
  readonly sources: readonly string[];
  readonly jurisdictions: readonly HomeHandling[];
}

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}

/** Whole months between two instants, when `since` is exactly that many calendar months before `at`. */
function wholeMonths(since: Date, at: Date): number | null {
  for (let months = 1; months <= 120; months++) {
    const back = new Date(at.getTime());
    back.setUTCMonth(back.getUTCMonth() - months);
    if (back.getTime() === since.getTime()) return months;
    if (back.getTime() < since.getTime()) return null;
  }
  return null;
}

/** `since` for a window of `months` calendar months ending at `at`. */
export function monthsBefore(at: Date, months: number): Date {
  const since = new Date(at.getTime());
  since.setUTCMonth(since.getUTCMonth() - months);
  return since;
}

interface CategoryAcc {
  storage: Map<string, { byRule: Set<string>; rows: number }>;
  accessedFrom: Map<string, number>;
  unknown: number;
  accesses: number;
  transferredTo: Set<string>;
  returnedFrom: Set<string>;
}

function statementFor(home: HomeHandlingDraft, input: ForeignHandlingInput, windowText: string): string {
  const name = input.countryName(home.home);
  if (home.onlyHome) return `All personal data of users in ${name} is stored and handled only in ${name}.`;
  const label = (code: string): string => `${input.countryName(code)} (${code})`;
  const parts = [`Personal data of users in ${name} is stored in ${home.storedIn.length > 0 ? joinList(home.storedIn.map(label)) : 'no cell yet'}.`];
  const handled: string[] = [];
  if (home.accessedFrom.length > 0 || home.accessesFromUnknownCountry > 0) {
    const from = home.accessedFrom.map(label);
    if (home.accessesFromUnknownCountry > 0) from.push(`places whose country was not known (${home.accessesFromUnknownCountry} accesses)`);
    handled.push(`accessed from ${joinList(from)}`);
  }
  if (home.transferredTo.length > 0) handled.push(`sent to ${joinList(home.transferredTo.map(label))}`);
  const returned = sorted(home.categories.flatMap((c) => c.returnedFrom));
  if (returned.length > 0) handled.push(`moved home from ${joinList(returned.map(label))}`);
  if (handled.length > 0) parts.push(`${windowText.charAt(0).toUpperCase()}${windowText.slice(1)} it was ${handled.join(', and ')}.`);
  return parts.join(' ');
}

type HomeHandlingDraft = Omit<HomeHandling, 'statement'>;

export function foreignHandlingStatement(input: ForeignHandlingInput): ForeignHandlingReport {
  const from = input.since.getTime();
  const to = input.at.getTime();
  const months = wholeMonths(input.since, input.at);
  const windowText = months === null ? `between ${input.since.toISOString().slice(0, 10)} and ${input.at.toISOString().slice(0, 10)}` : `in the last ${months} month${months === 1 ? '' : 's'}`;

  const jurisdictions = sorted(input.homes).map((home): HomeHandling => {
    const categories = new Map<string, CategoryAcc>();
    const acc = (category: string): CategoryAcc => {
      let a = categories.get(category);
      if (a === undefined) {
        a = { storage: new Map(), accessedFrom: new Map(), unknown: 0, accesses: 0, transferredTo: new Set(), returnedFrom: new Set() };
        categories.set(category, a);
      }
      return a;
    };
    const storageAt = (a: CategoryAcc, country: string) => {
      let s = a.storage.get(country);
      if (s === undefined) {
        s = { byRule: new Set(), rows: 0 };
        a.storage.set(country, s);
      }
      return s;
    };
    for (const p of input.placement) if (p.home === home) storageAt(acc(p.category), p.country).byRule.add(p.class);
    for (const s of input.stored) if (s.home === home && s.rows > 0) storageAt(acc(s.category), s.country).rows += s.rows;
    for (const entry of input.accesses) {
      const time = Date.parse(entry.time);
      if (entry.subjectJurisdiction !== home || entry.decision !== 'allow' || !(time >= from && time < to)) continue;
      for (const logged of entry.categories) {
        // Entries are immutable and may carry a name the list has since retired; the statement
        // speaks today's names, so one category is not split in two by its rename.
        const a = acc(renamedCategories[logged] ?? logged);
        a.accesses += 1;
        if (entry.actorPhysicalCountry === null) a.unknown += 1;
        else a.accessedFrom.set(entry.actorPhysicalCountry, (a.accessedFrom.get(entry.actorPhysicalCountry) ?? 0) + 1);
      }
    }
    for (const t of input.transfers) {
      if (t.home !== home || t.items <= 0) continue;
      if (t.destination !== home) acc(t.category).transferredTo.add(t.destination);
      else if (t.origin && t.origin !== home) acc(t.category).returnedFrom.add(t.origin);
    }

    const rows: CategoryHandling[] = [...categories.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([category, a]) => ({
        category,
        storedIn: sorted(a.storage.keys()),
        accessedFrom: sorted(a.accessedFrom.keys()),
        transferredTo: sorted(a.transferredTo),
        returnedFrom: sorted(a.returnedFrom),
        accessesFromUnknownCountry: a.unknown,
        storage: [...a.storage.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([country, s]) => ({ country, byRule: sorted(s.byRule), rows: s.rows })),
        accesses: a.accesses,
      }));

    const storedIn = sorted(rows.flatMap((r) => r.storedIn));
    const accessedFrom = sorted(rows.flatMap((r) => r.accessedFrom));
    const transferredTo = sorted(rows.flatMap((r) => r.transferredTo));
    const unknown = rows.reduce((n, r) => n + r.accessesFromUnknownCountry, 0);
    const foreign = sorted([...storedIn, ...accessedFrom, ...transferredTo].filter((c) => c !== home)).map((country) => ({
      country,
      name: input.countryName(country),
      storedCategories: rows.filter((r) => r.storedIn.includes(country)).map((r) => r.category),
      accessedCategories: rows.filter((r) => r.accessedFrom.includes(country)).map((r) => r.category),
      transferredCategories: rows.filter((r) => r.transferredTo.includes(country)).map((r) => r.category),
    }));
    const draft: HomeHandlingDraft = {
      home,
      name: input.countryName(home),
      storedIn,
      accessedFrom,
      transferredTo,
      accessesFromUnknownCountry: unknown,
      foreignCountries: foreign,
      onlyHome: foreign.length === 0 && unknown === 0,
      categories: rows,
    };
    return { ...draft, statement: statementFor(draft, input, windowText) };
  });

  return {
    generatedAt: input.at.toISOString(),
    window: { from: input.since.toISOString(), to: input.at.toISOString(), months },
    sources: ['placement rules', 'stored personal-data rows of every cell', 'transfer records', 'access log of each home cell'],
    jurisdictions,
  };
}

/** The statement as text for people: one block per home jurisdiction. */
export function renderForeignHandling(report: ForeignHandlingReport): string {
  const lines = [
    'Foreign handling of personal data',
    `Generated ${report.generatedAt} from the ${joinList([...report.sources])}; accesses counted from ${report.window.from} to ${report.window.to}.`,
  ];
  for (const j of report.jurisdictions) {
    lines.push('', `${j.name} (${j.home})`, `  ${j.statement}`);
    for (const f of j.foreignCountries) {
      const what = [
        f.storedCategories.length > 0 ? `stores ${f.storedCategories.join(', ')}` : '',
        f.accessedCategories.length > 0 ? `accessed ${f.accessedCategories.join(', ')}` : '',
        f.transferredCategories.length > 0 ? `received ${f.transferredCategories.join(', ')}` : '',
      ].filter((s) => s !== '');
      lines.push(`  ${f.name} (${f.country}): ${what.join('; ')}`);
    }
    const width = Math.max(0, ...j.categories.map((c) => c.category.length));
    lines.push('  by category:');
    for (const c of j.categories) {
      const cols = [`stored in ${c.storedIn.join(', ') || '–'}`];
      if (c.accessedFrom.length > 0 || c.accessesFromUnknownCountry > 0) cols.push(`accessed from ${[...c.accessedFrom, ...(c.accessesFromUnknownCountry > 0 ? ['unknown'] : [])].join(', ')}`);
      if (c.transferredTo.length > 0) cols.push(`sent to ${c.transferredTo.join(', ')}`);
      if (c.returnedFrom.length > 0) cols.push(`moved home from ${c.returnedFrom.join(', ')}`);
      lines.push(`    ${c.category.padEnd(width)}  ${cols.join(' · ')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
