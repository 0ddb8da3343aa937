/**
 * Numbered messages: `<tag><n> <padding>`, n from 1. A check says which numbers of a tag arrived,
 * which are missing, which came twice, and whether they came in order.
 */

/** A numbered message; `padding` characters make streams reach their response limit sooner. */
export function numbered(tag: string, n: number, padding = 0): string {
  return padding > 0 ? `${tag}${n} ${'.'.repeat(padding)}` : `${tag}${n}`;
}

/** The numbers of the messages with `tag`, in the order they arrived. */
export function numbersOf(messages: readonly string[], tag: string): number[] {
  const numbers: number[] = [];
  for (const message of messages) {
    if (!message.startsWith(tag)) continue;
    const match = /^(\d+)(?: |$)/.exec(message.slice(tag.length));
    if (match?.[1] !== undefined) numbers.push(Number(match[1]));
  }
  return numbers;
}

export interface SequenceCheck {
  tag: string;
  expected: number;
  /** How many messages with the tag arrived (duplicates included). */
  got: number;
  missing: number[];
  duplicates: number[];
  /** Arrivals smaller than one before them. */
  outOfOrder: number;
  /** Every one of 1..expected exactly once, in order. */
  exactlyOnceInOrder: boolean;
}

export function checkSequence(messages: readonly string[], tag: string, expected: number): SequenceCheck {
  const numbers = numbersOf(messages, tag);
  const seen = new Set<number>();
  const duplicates: number[] = [];
  let outOfOrder = 0;
  let previous = 0;
  for (const n of numbers) {
    if (seen.has(n)) duplicates.push(n);
    seen.add(n);
    if (n < previous) outOfOrder++;
    previous = n;
  }
  const missing: number[] = [];
  for (let n = 1; n <= expected; n++) if (!seen.has(n)) missing.push(n);
  const exactlyOnceInOrder =
    missing.length === 0 &&
    duplicates.length === 0 &&
    outOfOrder === 0 &&
    numbers.length === expected &&
    numbers.every((n, i) => n === i + 1);
  return { tag, expected, got: numbers.length, missing, duplicates, outOfOrder, exactlyOnceInOrder };
}

/** Short text for a check: `c: 120/120 exactly once, in order` or what went wrong. */
export function describeCheck(check: SequenceCheck): string {
  if (check.exactlyOnceInOrder) return `${check.tag}: ${check.got}/${check.expected} exactly once, in order`;
  const problems = [
    check.missing.length ? `missing ${formatNumbers(check.missing)}` : '',
    check.duplicates.length ? `twice ${formatNumbers(check.duplicates)}` : '',
    check.outOfOrder ? `${check.outOfOrder} out of order` : '',
  ].filter(Boolean);
  return `${check.tag}: ${check.expected - check.missing.length}/${check.expected} arrived, ${problems.join(', ')}`;
}

/** `3, 7-9, 12` */
export function formatNumbers(numbers: readonly number[]): string {
  const ranges: Array<[number, number]> = [];
  for (const n of [...new Set(numbers)].sort((a, b) => a - b)) {
    const current = ranges[ranges.length - 1];
    if (current && n === current[1] + 1) current[1] = n;
    else ranges.push([n, n]);
  }
  return ranges.map(([from, to]) => (from === to ? String(from) : `${from}-${to}`)).join(', ');
}
