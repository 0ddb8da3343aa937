import { escapeHeader, SockJsError, type StompHeader, type StompVersion, utf8ByteLength } from '../../protocol';

/** How a subscription acknowledges (STOMP `ack` header of SUBSCRIBE). */
export type AckMode = 'auto' | 'client' | 'client-individual';

/** Headers the server writes itself on a MESSAGE frame; a publisher's own copies of them are left out. */
const SERVER_HEADERS = new Set([
  'destination',
  'subscription',
  'message-id',
  'ack',
  'content-length',
  'content-type',
  'receipt',
  'transaction',
]);

/**
 * One published message, ready to go to any number of subscribers. The wire text of everything but
 * `subscription` (and `ack`) — which differ per subscriber — is written once per STOMP version and
 * kept: a topic with a thousand subscribers escapes its headers once, not a thousand times.
 */
export class OutboundMessage {
  readonly contentLength: number;
  readonly headers: readonly StompHeader[];
  private readonly encoded: Partial<Record<StompVersion, string>> = {};

  constructor(
    readonly destination: string,
    readonly messageId: string,
    readonly body: string,
    readonly contentType: string,
    headers: readonly StompHeader[] = [],
  ) {
    this.contentLength = utf8ByteLength(body);
    this.headers = headers.filter(([name]) => !SERVER_HEADERS.has(name));
  }

  /** A copy for another destination (a `/user` message resolved to one session's destination). */
  to(destination: string, messageId: string): OutboundMessage {
    return new OutboundMessage(destination, messageId, this.body, this.contentType, this.headers);
  }

  /** The MESSAGE frame for one subscriber: its `subscription` (and `ack` in client modes), then the shared rest. */
  frame(version: StompVersion, subscription: string, ack?: string): string {
    let head = `MESSAGE\nsubscription:${escapeHeader(subscription, 'value', 'MESSAGE', version)}\n`;
    if (ack !== undefined) head += `ack:${escapeHeader(ack, 'value', 'MESSAGE', version)}\n`;
    return head + (this.encoded[version] ??= this.encodeShared(version));
  }

  /** The UTF-8 size of `frame()` without its subscriber part: what a buffer bound counts. */
  get bytes(): number {
    return this.contentLength + 64 + this.destination.length;
  }

  private encodeShared(version: StompVersion): string {
    const value = (text: string): string => escapeHeader(text, 'value', 'MESSAGE', version);
    let text = `destination:${value(this.destination)}\nmessage-id:${value(this.messageId)}\n`;
    text += `content-type:${value(this.contentType)}\ncontent-length:${this.contentLength}\n`;
    for (const [name, headerValue] of this.headers) text += headerLine(name, headerValue, version);
    return `${text}\n${this.body}\0`;
  }
}

/**
 * A publisher's header as `version` writes it, or nothing when that version cannot carry it (a
 * newline in 1.0, a CR in 1.1, a colon in a 1.0 name): the header is left out of that version's
 * frames, rather than one old subscriber making the publish fail for the sender and everyone else.
 */
function headerLine(name: string, value: string, version: StompVersion): string {
  try {
    return `${escapeHeader(name, 'name', 'MESSAGE', version)}:${escapeHeader(value, 'value', 'MESSAGE', version)}\n`;
  } catch (error) {
    if (error instanceof SockJsError && error.code === 'ERR_STOMP_MALFORMED') return '';
    throw error;
  }
}
