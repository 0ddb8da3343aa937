import { checkOptionKeys, SockJsError } from '../../../protocol';
import { isUnderPrefix, MAX_DESTINATION_LENGTH } from './destination-pattern';
import type { OutboundMessage } from '../message';

export interface MemoryBrokerOptions {
  /** Prefixes of pub/sub destinations: every matching subscriber (name or pattern) gets each message. */
  topicPrefixes?: readonly string[];
  /** Prefixes of point-to-point destinations: each message goes to one consumer, round robin. */
  queuePrefixes?: readonly string[];
  /** Messages one queue keeps while no consumer is ready; past it a new message is dropped. */
  maxQueuedMessages?: number;
  /** The longest destination or pattern taken, in UTF-16 code units. */
  maxDestinationLength?: number;
  /**
   * Queues that may exist at once (each made by a SEND or SUBSCRIBE to a new name); past it a message
   * to a new queue is dropped and a SUBSCRIBE to a new queue refused.
   */
  maxQueues?: number;
  /**
   * Bytes one queue holds: its waiting messages and those delivered but not yet acked, each counted as
   * its body (`contentLength`) plus QUEUED_MESSAGE_OVERHEAD_BYTES. Past it a new message is dropped.
   */
  maxQueuedBytes?: number;
  /** Bytes all queues together hold, counted as for `maxQueuedBytes`. Past it a new queue message is dropped. */
  maxBrokerQueuedBytes?: number;
  /**
   * Told of every message dropped (a queue limit above) by a publish made inside a delivery, with why:
   * log it. A publish from outside throws ERR_STOMP_LIMIT instead. Default: none (the drops are counted).
   */
  onDrop?: ((message: OutboundMessage, reason: string) => void) | undefined;
}

export type ResolvedMemoryBrokerOptions = {
  readonly [K in Exclude<keyof MemoryBrokerOptions, 'onDrop'>]-?: NonNullable<MemoryBrokerOptions[K]>;
} & { readonly onDrop: MemoryBrokerOptions['onDrop'] };

/**
 * What a queued message costs beyond its body in `maxQueuedBytes`: its headers, ids and bookkeeping,
 * roughly; it also keeps empty messages from being free.
 */
export const QUEUED_MESSAGE_OVERHEAD_BYTES = 256;

export const MEMORY_BROKER_DEFAULTS: ResolvedMemoryBrokerOptions = Object.freeze({
  topicPrefixes: Object.freeze(['/topic']),
  queuePrefixes: Object.freeze(['/queue']),
  maxQueuedMessages: 10_000,
  maxDestinationLength: MAX_DESTINATION_LENGTH,
  maxQueues: 10_000,
  maxQueuedBytes: 8 * 1024 * 1024,
  maxBrokerQueuedBytes: 64 * 1024 * 1024,
  onDrop: undefined,
});

/** Every key of MemoryBrokerOptions, at run time; the compiler keeps it complete and exact. */
const OPTION_KEYS = Object.keys({
  topicPrefixes: true,
  queuePrefixes: true,
  maxQueuedMessages: true,
  maxDestinationLength: true,
  maxQueues: true,
  maxQueuedBytes: true,
  maxBrokerQueuedBytes: true,
  onDrop: true,
} satisfies Record<keyof MemoryBrokerOptions, true>);

/** The options with their defaults, checked: throws ERR_INVALID_OPTION naming what is wrong. */
export function resolveMemoryBrokerOptions(options: MemoryBrokerOptions = {}): ResolvedMemoryBrokerOptions {
  checkOptionKeys('MemoryBroker', options, OPTION_KEYS);
  const resolved: ResolvedMemoryBrokerOptions = {
    topicPrefixes: Object.freeze([
      ...checkPrefixes('topicPrefixes', options.topicPrefixes ?? MEMORY_BROKER_DEFAULTS.topicPrefixes),
    ]),
    queuePrefixes: Object.freeze([
      ...checkPrefixes('queuePrefixes', options.queuePrefixes ?? MEMORY_BROKER_DEFAULTS.queuePrefixes),
    ]),
    maxQueuedMessages: checkPositiveInteger(
      'maxQueuedMessages',
      options.maxQueuedMessages ?? MEMORY_BROKER_DEFAULTS.maxQueuedMessages,
    ),
    maxDestinationLength: checkPositiveInteger(
      'maxDestinationLength',
      options.maxDestinationLength ?? MEMORY_BROKER_DEFAULTS.maxDestinationLength,
    ),
    maxQueues: checkPositiveInteger('maxQueues', options.maxQueues ?? MEMORY_BROKER_DEFAULTS.maxQueues),
    maxQueuedBytes: checkPositiveInteger(
      'maxQueuedBytes',
      options.maxQueuedBytes ?? MEMORY_BROKER_DEFAULTS.maxQueuedBytes,
    ),
    maxBrokerQueuedBytes: checkPositiveInteger(
      'maxBrokerQueuedBytes',
      options.maxBrokerQueuedBytes ?? MEMORY_BROKER_DEFAULTS.maxBrokerQueuedBytes,
    ),
    onDrop: checkOnDrop(options.onDrop),
  };
  checkNoOverlap(resolved.topicPrefixes, resolved.queuePrefixes);
  return resolved;
}

function checkOnDrop(value: unknown): MemoryBrokerOptions['onDrop'] {
  if (value !== undefined && typeof value !== 'function') throw invalid('onDrop must be a function');
  return value as MemoryBrokerOptions['onDrop'];
}

function invalid(detail: string): SockJsError {
  return new SockJsError('ERR_INVALID_OPTION', `MemoryBroker: ${detail}`);
}

function checkPrefixes(name: string, prefixes: unknown): readonly string[] {
  if (!Array.isArray(prefixes) || prefixes.length === 0) throw invalid(`${name} must be a non-empty array of strings`);
  for (const prefix of prefixes as unknown[]) {
    if (typeof prefix !== 'string') throw invalid(`${name} must hold strings only, not ${typeof prefix}`);
    const quoted = JSON.stringify(prefix);
    if (!prefix.startsWith('/')) throw invalid(`${name} entry ${quoted} must start with "/"`);
    // A trailing separator would make `/topic/` miss `/topic.a` and leave `/` (everything) ambiguous.
    if (prefix.endsWith('/') || prefix.endsWith('.'))
      throw invalid(`${name} entry ${quoted} must not end with "/" or "."`);
    if (prefix.includes('*') || prefix.includes('\0'))
      throw invalid(`${name} entry ${quoted} must not contain "*" or a NUL`);
  }
  return prefixes as string[];
}

function checkPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalid(`${name} must be a positive integer, not ${String(value)}`);
  }
  return value;
}

/** A destination must be a topic or a queue, never both: no prefix of one kind may cover one of the other. */
function checkNoOverlap(topicPrefixes: readonly string[], queuePrefixes: readonly string[]): void {
  for (const topic of topicPrefixes) {
    for (const queue of queuePrefixes) {
      if (isUnderPrefix(topic, queue) || isUnderPrefix(queue, topic)) {
        throw invalid(`topic prefix ${JSON.stringify(topic)} and queue prefix ${JSON.stringify(queue)} overlap`);
      }
    }
  }
}
