import { SockJsError } from '../../../protocol';

/**
 * Destination names and patterns, as Spring's simple broker matches them (AntPathMatcher): a
 * destination is a list of segments, each after a `/` or a `.`. In a pattern, `*` matches within
 * one segment (`/topic/price.*`, `/topic/price.st*`) and a whole `**` segment matches any number of
 * them (`/topic/**`, `/topic/price.**`). A separator in a pattern matches only the same separator,
 * so `/topic/price.*` takes `/topic/price.abc` and neither `/topic/price.a.b` nor `/topic/price/abc`.
 * Only `*` is special: `?` and `{name}` are literal text here, unlike in AntPathMatcher.
 */

/** The longest destination (name or pattern) taken by default, in UTF-16 code units. */
export const MAX_DESTINATION_LENGTH = 1024;

export type DestinationSeparator = '/' | '.';

/** One segment of a destination: the separator before it and its text. */
export interface DestinationSegment {
  readonly separator: DestinationSeparator;
  readonly text: string;
}

/** Whether `destination` is a pattern (has a `*`) rather than an exact name. */
export function isDestinationPattern(destination: string): boolean {
  return destination.includes('*');
}

/**
 * Whether `destination` is `prefix` or under it, on whole segments: `/topic/a` and `/topic.a` are
 * under `/topic`, `/topicx` is not.
 */
export function isUnderPrefix(destination: string, prefix: string): boolean {
  if (!destination.startsWith(prefix)) return false;
  const next = destination[prefix.length];
  return next === undefined || next === '/' || next === '.';
}

/** Throws ERR_STOMP_DESTINATION unless `destination` is a well-formed name or pattern. */
export function checkDestination(destination: string, maxLength = MAX_DESTINATION_LENGTH): void {
  const problem = destinationProblem(destination, maxLength);
  if (problem !== undefined) throw new SockJsError('ERR_STOMP_DESTINATION', problem);
}

/** Quotes a destination for an error message, cut short: the message goes into an ERROR frame header. */
export function quoteDestination(destination: string): string {
  return JSON.stringify(destination.length > 64 ? `${destination.slice(0, 64)}...` : destination);
}

function destinationProblem(destination: string, maxLength: number): string | undefined {
  if (typeof destination !== 'string' || destination === '') return 'the destination is empty';
  if (destination.length > maxLength) return `the destination is longer than ${maxLength} characters`;
  if (!destination.startsWith('/')) return `${quoteDestination(destination)} does not start with "/"`;
  if (destination.includes('\0')) return `${quoteDestination(destination)} contains a NUL character`;
  return undefined;
}

/** Splits a checked destination (it starts with `/`) into its segments. */
export function splitDestination(destination: string): DestinationSegment[] {
  const segments: DestinationSegment[] = [];
  let separator: DestinationSeparator = '/';
  let start = 1;
  for (let i = 1; i <= destination.length; i++) {
    const char = destination[i];
    if (char !== undefined && char !== '/' && char !== '.') continue;
    segments.push({ separator, text: destination.slice(start, i) });
    if (char !== undefined) separator = char;
    start = i + 1;
  }
  return segments;
}

/** A compiled pattern step: one segment (literal, or with `*` in it), or `**`: any number of segments. */
type PatternStep =
  | { readonly kind: 'segment'; readonly separator: DestinationSeparator; readonly parts: readonly string[] }
  | { readonly kind: 'any-depth'; readonly separator: DestinationSeparator };

/**
 * A destination pattern compiled once, matched against each published destination. Matching walks
 * the segments (a dynamic programme over pattern steps × destination segments), not a RegExp: both
 * the pattern and the destination come from clients, and a backtracking RegExp with several `**`
 * would be theirs to make slow.
 */
export class DestinationPattern {
  private readonly anyDepth: boolean;

  private constructor(
    readonly source: string,
    private readonly steps: readonly PatternStep[],
  ) {
    this.anyDepth = steps.some((step) => step.kind === 'any-depth');
  }

  /** Compiles `pattern`; throws ERR_STOMP_DESTINATION if it is malformed. A name without `*` compiles too. */
  static compile(pattern: string, maxLength = MAX_DESTINATION_LENGTH): DestinationPattern {
    checkDestination(pattern, maxLength);
    return new DestinationPattern(pattern, splitDestination(pattern).map(stepOf));
  }

  /** Whether the destination (a checked name, or its segments from `splitDestination`) matches. */
  matches(destination: string | readonly DestinationSegment[]): boolean {
    const segments = typeof destination === 'string' ? splitDestination(destination) : destination;
    if (!this.anyDepth) {
      // Without `**` a match has one segment per step: no search needed.
      return segments.length === this.steps.length && this.steps.every((step, i) => stepTakes(step, segments[i]));
    }
    return this.matchesAnyDepth(segments);
  }

  /** reach[d]: the steps so far can consume exactly the first d segments. */
  private matchesAnyDepth(segments: readonly DestinationSegment[]): boolean {
    let reach: Uint8Array = new Uint8Array(segments.length + 1);
    reach[0] = 1;
    for (const step of this.steps) {
      reach =
        step.kind === 'any-depth' ? advanceAnyDepth(step.separator, reach, segments) : advance(step, reach, segments);
      if (!reach.includes(1)) return false;
    }
    return reach[segments.length] === 1;
  }
}

function stepOf(segment: DestinationSegment): PatternStep {
  if (segment.text === '**') return { kind: 'any-depth', separator: segment.separator };
  return { kind: 'segment', separator: segment.separator, parts: segment.text.split('*') };
}

function advance(step: PatternStep, reach: Uint8Array, segments: readonly DestinationSegment[]): Uint8Array {
  const next = new Uint8Array(reach.length);
  for (let d = 0; d < segments.length; d++) {
    if (reach[d] === 1 && stepTakes(step, segments[d])) next[d + 1] = 1;
  }
  return next;
}

/** `**` consumes no segment, or a run of them whose first follows its own separator. */
function advanceAnyDepth(
  separator: DestinationSeparator,
  reach: Uint8Array,
  segments: readonly DestinationSegment[],
): Uint8Array {
  const next = new Uint8Array(reach.length);
  let open = false;
  for (let d = 0; d < reach.length; d++) {
    if (reach[d] === 1 || open) next[d] = 1;
    if (reach[d] === 1 && segments[d]?.separator === separator) open = true;
  }
  return next;
}

function stepTakes(step: PatternStep, segment: DestinationSegment | undefined): boolean {
  if (segment === undefined || step.kind !== 'segment' || step.separator !== segment.separator) return false;
  return globMatches(step.parts, segment.text);
}

/**
 * Whether `text` matches the glob cut at its stars into `parts` (`st*` is ['st', '']): the first part
 * a prefix, the last a suffix, the middle ones in order between; leftmost is always right for `*`.
 */
function globMatches(parts: readonly string[], text: string): boolean {
  const first = parts[0] ?? '';
  if (parts.length === 1) return text === first;
  const last = parts[parts.length - 1] ?? '';
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  const end = text.length - last.length;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}
