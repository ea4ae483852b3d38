// Password strength: zxcvbn-ts (a maintained estimator with common-password and English
// dictionaries, keyboard patterns, repeats and sequences) with the person's own handle, name,
// e-mail and phone as words it knows. Loaded on first use: its dictionaries take a moment.
import { DomainError } from '../errors/catalogue.js';

/** zxcvbn's score: 0 (too guessable) … 4 (very unguessable); 3 is "safely unguessable" for online attacks. */
export const MIN_PASSWORD_SCORE = 3;

interface Estimator {
  check(password: string, userInputs?: (string | number)[]): { score: number; feedback: { warning: string | null; suggestions: string[] } };
}

let estimator: Promise<Estimator> | null = null;

function loadEstimator(): Promise<Estimator> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')]);
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
  })();
  return estimator;
}

/** The words of a person's own identity, split so that `hanako.sato@…` also teaches `hanako` and `sato`. */
function personalWords(inputs: readonly (string | undefined)[]): string[] {
  const words = new Set<string>();
  for (const input of inputs) {
    if (!input) continue;
    const lower = input.trim().toLowerCase();
    if (lower.length === 0) continue;
    words.add(lower);
    for (const part of lower.split(/[^\p{L}\p{N}]+/u)) if (part.length >= 3) words.add(part);
  }
  return [...words];
}

/**
 * Refuses a guessable password with WEAK_PASSWORD and zxcvbn's advice: too common, a pattern,
 * all spaces, or built from the person's own handle, name, e-mail or phone.
 */
export async function assertStrongPassword(password: string, personal: readonly (string | undefined)[]): Promise<void> {
  if (password.trim().length === 0) throw new DomainError('WEAK_PASSWORD', 'the password cannot be only spaces; choose a few unrelated words');
  const words = personalWords(personal);
  // Separators fool the estimator ("kaede-kaede" scores well): what is left of the password
  // without them, the person's own words and digits must still be something.
  const joined = password.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  let rest = joined;
  for (const word of [...words].sort((a, b) => b.length - a.length)) rest = rest.split(word.replace(/[^\p{L}\p{N}]+/gu, '')).join('');
  if (rest !== joined && rest.replace(/\p{N}+/gu, '').length < 4) {
    throw new DomainError('WEAK_PASSWORD', 'this password is made of your handle, name, e-mail or phone; use a longer phrase of unrelated words', { score: 0, minimumScore: MIN_PASSWORD_SCORE });
  }
  const result = (await loadEstimator()).check(password, words);
  if (result.score >= MIN_PASSWORD_SCORE) return;
  const advice = [result.feedback.warning, ...result.feedback.suggestions]
    .filter((s): s is string => Boolean(s))
    .map((s) => s.replace(/\.$/, ''))
    .join('; ');
  throw new DomainError('WEAK_PASSWORD', `this password is too easy to guess${advice ? ` (${advice})` : ''}; use a longer phrase of unrelated words, not your handle, name or e-mail`, {
    score: result.score,
    minimumScore: MIN_PASSWORD_SCORE,
  });
}
