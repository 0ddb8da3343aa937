import { SockJsError } from './error-class';

/**
 * Refuses an options object with a key the API does not know, with `ERR_INVALID_OPTION`. The types
 * already do it for TypeScript callers; JavaScript callers have no type checker, and a misspelt
 * limit (`maxRequestByte: 1e6`) would otherwise be ignored in silence, its default in force.
 * `what` names the call in the message (`createEndpoint`, `withSockJS()`...). The message suggests
 * the key most likely meant ("did you mean …?"), else lists the known ones.
 */
export function checkOptionKeys(what: string, given: object, known: readonly string[]): void {
  refuseUnknownKeys(what, given, known, nearest);
}

/**
 * checkOptionKeys with the suggestion left to the caller: without `suggest` the message lists the
 * known keys. The browser client calls it so: its bundle then carries no edit distance.
 */
export function refuseUnknownKeys(
  what: string,
  given: object,
  known: readonly string[],
  suggest?: (key: string, known: readonly string[]) => string | undefined,
): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const near = suggest?.(key, known);
    const hint = near === undefined ? `; known: ${known.join(', ')}` : ` (did you mean "${near}"?)`;
    throw new SockJsError('ERR_INVALID_OPTION', `${what}: unknown option "${key}"${hint}`);
  }
}

/** The known key `key` is most likely a typo of: one a few edits away, case aside. */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Two edits, or a fifth of a long name: a slip of the keyboard, not another word.
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 5)) ? best : undefined;
}

/** Levenshtein distance (insertions, deletions, substitutions), one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** Whether `value` is an object whose `members` are each absent or a function (interceptor-like options). */
export function hasCallbackMembers(value: unknown, members: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const shape = value as Record<string, unknown>;
  return members.every((member) => shape[member] === undefined || typeof shape[member] === 'function');
}
