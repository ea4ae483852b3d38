// `domicile notice validate <file>`: checks a notice file against the registries and reports
// every reason it would be refused. Exit codes: 0 valid, 1 invalid, 2 unreadable or not JSON.

import { readFile } from 'node:fs/promises';
import { validateNotice, type ValidNotice } from '../governance/transfers/notice.validator.js';
import { loadRegistries, type Registries } from '../governance/transfers/registry.js';
import { RegistryError } from '../governance/transfers/transfers.errors.js';

export interface CommandOutput {
  /** Receives whole lines, each ending in "\n". */
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_UNREADABLE = 2;

function describeValid(notice: ValidNotice, registries: Registries): string {
  const destinations = (notice.transfers.destinations ?? []).map(
    (d) => `${d.country} (${d.recipients.map((r) => r.name).join(', ')})`,
  );
  const unknown = notice.transfers.countryUnknown;
  const parts = [
    ...(destinations.length > 0 ? [`destinations: ${destinations.join('; ')}`] : []),
    ...(unknown === undefined ? [] : [`country not yet known — candidates: ${unknown.candidateCountries.map((c) => c.country).join(', ')}`]),
  ];
  return `notice ${notice.noticeId} v${notice.version} (${notice.homeJurisdiction}, purpose ${notice.purpose.code}) is valid against jurisdictions registry v${registries.jurisdictionsFile.version} and recipients registry v${registries.recipientsFile.version}; ${parts.join('; ')}`;
}

export async function runNoticeValidate(
  file: string,
  out: CommandOutput,
  options: { registries?: Registries } = {},
): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    out.stderr(`✗ cannot read ${file}: ${reason}\n`);
    return EXIT_UNREADABLE;
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    out.stderr(`✗ ${file} is not valid JSON: ${reason}\n`);
    return EXIT_UNREADABLE;
  }
  let registries: Registries;
  try {
    registries = options.registries ?? loadRegistries();
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    out.stderr(`✗ cannot check ${file}: the registries cannot be loaded (${err.code})\n`);
    for (const problem of err.problems) out.stderr(`  - ${problem}\n`);
    return EXIT_UNREADABLE;
  }

  const result = validateNotice(json, registries);
  if (result.ok) {
    out.stdout(`✓ ${file}: ${describeValid(result.notice, registries)}\n`);
    return EXIT_VALID;
  }
  const count = result.problems.length;
  out.stderr(`✗ ${file}: the notice is refused (${count} problem${count === 1 ? '' : 's'}):\n`);
  for (const problem of result.problems) {
    out.stderr(`  - ${problem.code} at ${problem.path === '' ? '/' : problem.path}: ${problem.message}\n`);
  }
  return EXIT_INVALID;
}
