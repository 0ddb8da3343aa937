import type { StompHeader } from '../../../protocol';
import type { OutboundMessage } from '../message';

/** A STOMP message as it crosses the bus: what a node needs to publish it again into its own broker. */
export interface WireMessage {
  /** The destination: a topic name, or for user messages the destination under the user prefix (`/queue/x`). */
  readonly destination: string;
  readonly body: string;
  readonly contentType: string;
  /** The publisher's own headers (the server writes the rest on every node). */
  readonly headers: readonly StompHeader[];
}

/** The bus channel names of the STOMP server (the endpoints' are `sockjs:…`, so they cannot meet). */
export const stompChannels = {
  /** One exact topic name: listened to while this node has a subscriber of that name. */
  topic: (destination: string): string => `stomp:topic:${destination}`,
  /** Every message of one topic prefix: listened to while this node has a pattern subscription under it. */
  topicPrefix: (prefix: string): string => `stomp:topics:${prefix}`,
  /** One user's messages: listened to while this node has a STOMP session of that user. */
  user: (name: string): string => `stomp:user:${name}`,
  /** Tells the nodes with consumers of one queue that it has messages (which wait in Redis); listened to while this node has one. */
  queue: (name: string): string => `stomp:queued:${name}`,
};

/** The key namespace of the STOMP server's queues and presence in Redis (`stomp:queue:{name}`, `stomp:users:{node}`, …). */
export const STOMP_NAMESPACE = 'stomp';

/** JSON `[destination, body, content-type, headers]`; `destination` as given (a topic, or `/queue/x` for a user). */
export function encodeWireMessage(destination: string, message: OutboundMessage): string {
  return JSON.stringify([destination, message.body, message.contentType, message.headers]);
}

/** The message, or undefined for anything malformed (logged by the caller, never thrown into the bus). */
export function decodeWireMessage(raw: string): WireMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) return undefined;
  const [destination, body, contentType, headers] = parsed as unknown[];
  if (typeof destination !== 'string' || typeof body !== 'string' || typeof contentType !== 'string') return undefined;
  if (!Array.isArray(headers) || !headers.every(isHeader)) return undefined;
  return { destination, body, contentType, headers: headers as StompHeader[] };
}

function isHeader(value: unknown): boolean {
  return Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string');
}
