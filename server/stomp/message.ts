import { escapeHeader, quote, SockJsError, type StompHeader, type StompVersion, utf8ByteLength } from '../../protocol';

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

/** Part of a frame JSON-quoted for SockJS, and its UTF-8 size before quoting. */
interface QuotedPart {
  readonly text: string;
  readonly bytes: number;
}

/**
 * The quoted subscriber part of auto-ack MESSAGE frames, by version and subscription id. A fan-out
 * meets the same few ids again and again (`sub-0` is every stompjs client's first subscription), and
 * the part holds EOLs, so quoting it each time would be a JSON.stringify per delivery. Bounded: cleared
 * when full.
 */
const autoHeads = new Map<string, QuotedPart>();
const AUTO_HEADS_MAX = 4096;

function autoHead(version: StompVersion, subscription: string): QuotedPart {
  const key = `${version}\n${subscription}`;
  let part = autoHeads.get(key);
  if (part === undefined) {
    const head = `MESSAGE\nsubscription:${escapeHeader(subscription, 'value', 'MESSAGE', version)}\n`;
    part = { text: quote(head).slice(0, -1), bytes: utf8ByteLength(head) };
    if (autoHeads.size >= AUTO_HEADS_MAX) autoHeads.clear();
    autoHeads.set(key, part);
  }
  return part;
}

/**
 * One published message, ready to go to any number of subscribers. The wire text of everything but
 * `subscription` (and `ack`) — which differ per subscriber — is written once per STOMP version and
 * kept: a topic with a thousand subscribers escapes its headers once, not a thousand times.
 */
export class OutboundMessage {
  readonly contentLength: number;
  readonly headers: readonly StompHeader[];
  private readonly encoded: Partial<Record<StompVersion, string>> = {};
  /** The shared part JSON-quoted (without its quotes) and its UTF-8 size, for SockJS sessions. */
  private sharedBytes: number | undefined;
  private readonly quoted: Partial<Record<StompVersion, QuotedPart>> = {};

  constructor(
    readonly destination: string,
    readonly messageId: string,
    readonly body: string,
    readonly contentType: string,
    headers: readonly StompHeader[] = [],
  ) {
    checkHeaders(destination, contentType, headers);
    this.contentLength = utf8ByteLength(body);
    this.headers = headers.filter(([name]) => !SERVER_HEADERS.has(name));
  }

  /** A copy for another destination (a `/user` message resolved to one session's destination). */
  to(destination: string, messageId: string): OutboundMessage {
    return new OutboundMessage(destination, messageId, this.body, this.contentType, this.headers);
  }

  /** The MESSAGE frame for one subscriber: its `subscription` (and `ack` in client modes), then the shared rest. */
  frame(version: StompVersion, subscription: string, ack?: string): string {
    return this.head(version, subscription, ack) + this.shared(version);
  }

  /**
   * `frame()` as a SockJS message, already quoted, and its UTF-8 size before quoting. JSON quoting
   * works character by character, so the subscriber part is quoted alone and the shared part —
   * the body — once per version for every subscriber (as `broadcast` quotes once for all).
   */
  quotedFrame(version: StompVersion, subscription: string, ack?: string): { quoted: string; bytes: number } {
    const head = ack === undefined ? autoHead(version, subscription) : this.quoteHead(version, subscription, ack);
    const shared = (this.quoted[version] ??= this.quoteShared(version));
    return { quoted: head.text + shared.text, bytes: head.bytes + shared.bytes };
  }

  private quoteHead(version: StompVersion, subscription: string, ack: string | undefined): QuotedPart {
    const head = this.head(version, subscription, ack);
    // Without its closing quote: the shared part's quoted text follows, ending with it.
    return { text: quote(head).slice(0, -1), bytes: utf8ByteLength(head) };
  }

  /**
   * About the UTF-8 size of `frame()`: the shared part exactly (as 1.2 writes it: every header the
   * publisher gave counts), plus room for the subscriber part. What a buffer bound counts.
   */
  get bytes(): number {
    return (this.sharedBytes ??= utf8ByteLength(this.shared('1.2'))) + 64;
  }

  private head(version: StompVersion, subscription: string, ack: string | undefined): string {
    const head = `MESSAGE\nsubscription:${escapeHeader(subscription, 'value', 'MESSAGE', version)}\n`;
    return ack === undefined ? head : `${head}ack:${escapeHeader(ack, 'value', 'MESSAGE', version)}\n`;
  }

  private shared(version: StompVersion): string {
    return (this.encoded[version] ??= this.encodeShared(version));
  }

  private quoteShared(version: StompVersion): { text: string; bytes: number } {
    const shared = this.shared(version);
    // Without its opening quote: it follows the subscriber part's quoted text, whose closing quote goes.
    return { text: quote(shared).slice(1), bytes: utf8ByteLength(shared) };
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

/** NUL fits in no header of any version: refused when the message is made, not when it is delivered. */
function checkHeaders(destination: string, contentType: string, headers: readonly StompHeader[]): void {
  if (destination.includes('\0')) throw new SockJsError('ERR_STOMP_DESTINATION', 'a NUL in the destination');
  for (const [name, value] of [['content-type', contentType], ...headers]) {
    if (name === '' || name.includes('\0') || value.includes('\0')) {
      throw new SockJsError('ERR_STOMP_MALFORMED', `header ${JSON.stringify(name)}: empty name or a NUL`);
    }
  }
}
