/** What every client transport is to the connection: frames in, messages out, one end. */
import { parseFrame, type Frame } from '../../protocol/frames';
import type { EventSourceConstructor, WebSocketConstructor } from '../platform';

/** The transports this client speaks, in its order of preference. */
export const CLIENT_TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;
export type ClientTransportName = (typeof CLIENT_TRANSPORTS)[number];

/** What a transport reports. After `end` it reports nothing more. */
export interface TransportHooks {
  frame(frame: Frame): void;
  /** The transport is gone: it failed to open, or the connection was lost. */
  end(code: number, reason: string): void;
}

export interface TransportContext {
  /** `<base>/<server>/<session>`, no trailing slash. */
  readonly sessionUrl: string;
  /** The base URL's query string (`?a=b`) or '', appended to every sending request. */
  readonly query: string;
  /** The query of each receiving request, asked as each one starts (the resume extension adds to it). */
  readonly receiveQuery: () => string;
  /** A batch of messages as the wire carries it: a JSON array, or the resume extension's numbered batch. */
  readonly encode: (messages: readonly string[]) => string;
  /** The server answered for the next `count` messages sent (an xhr_send's 204). */
  readonly delivered: (count: number) => void;
  /** What an HTTP transport posts when the socket is closed (resume: `c[code,"reason"]`); undefined: nothing. */
  readonly closeBody: (code: number, reason: string) => string | undefined;
  readonly hooks: TransportHooks;
  /** Longest frame an HTTP transport buffers (the `maxFrameLength` option). */
  readonly maxFrameLength: number;
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly EventSource: EventSourceConstructor | undefined;
}

export interface Transport {
  /** Sends one message (already a string; the transport frames it). */
  send(message: string): void;
  /** Stops it without reporting `end`; `code`/`reason` reach the server where the transport can say them (websocket). */
  close(code?: number, reason?: string): void;
  /** Messages given to `send` that have not left yet (sent again after a reconnect). */
  takeUnsent(): string[];
  /** Resume extension: tells the server what has been received, with no message. */
  ack(): void;
}

export type OpenTransport = (context: TransportContext) => Transport;

/** How a transport reports its end (TransportHooks' `end`). */
export type EndTransport = TransportHooks['end'];

/** Ends a transport lost without a close frame: 1006, "Connection lost (`detail`)". */
export function endLost(end: EndTransport, detail: string): void {
  end(1006, `Connection lost (${detail})`);
}

/** Hands on the frame `text` carries; text that is no SockJS frame ends the transport (1002). */
export function deliverFrame(text: string, frame: TransportHooks['frame'], end: EndTransport): void {
  try {
    frame(parseFrame(text));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    end(1002, 'Broken framing');
  }
}
