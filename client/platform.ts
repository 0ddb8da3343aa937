/**
 * The web-platform APIs the client uses (fetch with a streamed body, WebSocket, EventSource, timers),
 * typed here by what the client needs of them: client/ is compiled without DOM or Node types, so that
 * it can need neither. Browsers and Node ≥ 20 both provide `fetch`, `TextDecoder`, `AbortController`
 * and the timers as globals; `WebSocket` and `EventSource` may be absent (Node 20) and are injectable.
 */

export interface StreamReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(): Promise<void>;
}

export interface FetchResponse {
  readonly status: number;
  readonly body: { getReader(): StreamReader } | null;
  text(): Promise<string>;
}

export interface AbortSignalLike {
  readonly aborted: boolean;
}

export interface FetchInit {
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  signal?: AbortSignalLike;
}

/** What the websocket transport uses of a WebSocket (the browser's, or `ws`'s in Node). */
export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * A WebSocket constructor: the browser's global one, or `ws`'s `WebSocket` in Node 20. Typed loosely
 * (any object) because every implementation types its event objects its own way; the transport uses
 * only what WebSocketLike says, which they all have.
 */
export type WebSocketConstructor = new (url: string) => object;

/** What the eventsource transport uses of an EventSource. */
export interface EventSourceLike {
  onmessage: ((event: { readonly data: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(): void;
}

/** An EventSource constructor: the browser's global one, or the `eventsource` package's in Node. */
export type EventSourceConstructor = new (url: string) => object;

interface Globals {
  fetch(url: string, init: FetchInit): Promise<FetchResponse>;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  AbortController: new () => { readonly signal: AbortSignalLike; abort(): void };
  TextDecoder: new () => { decode(bytes?: Uint8Array, options?: { stream: boolean }): string };
  TextEncoder: new () => { encode(text: string): Uint8Array };
  WebSocket?: WebSocketConstructor;
  EventSource?: EventSourceConstructor;
  crypto?: { getRandomValues(bytes: Uint8Array): Uint8Array };
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
}

/** The globals above, read when called (so a test or polyfill may install them late). */
export function platform(): Globals {
  return globalThis as unknown as Globals;
}

/** A timer handle; clear with `cancelTimer`. */
export type Timer = unknown;

export function startTimer(ms: number, run: () => void): Timer {
  return platform().setTimeout(run, ms);
}

export function cancelTimer(timer: Timer | undefined): void {
  if (timer !== undefined) platform().clearTimeout(timer);
}

/** Lower-case letters and digits, from crypto.getRandomValues where there is one. */
export function randomString(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
  const bytes = new Uint8Array(length);
  const crypto = platform().crypto;
  if (crypto) crypto.getRandomValues(bytes);
  else for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let text = '';
  for (const byte of bytes) text += alphabet.charAt(byte % alphabet.length);
  return text;
}

/** What a caught `error` says, for a close reason. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
