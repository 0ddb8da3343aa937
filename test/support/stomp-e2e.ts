/**
 * Shorthands for the STOMP end-to-end tests (test/stomp/): raw sessions that have CONNECTED, frames
 * sent with a receipt and awaited, the MESSAGE frames of one subscription.
 */
import type { StompFrame } from '../../protocol';
import type { EndpointOptions } from '../../server';
import type { Resources } from './resources';
import { headerValue, RawStomp, type StompTestServer } from './stomp';
import { DEFAULT_WAIT_MS, until } from './wait';

let sequence = 0;

/** A name no other test uses (destinations, receipts, users). */
export function unique(prefix: string): string {
  return `${prefix}-${++sequence}`;
}

/** A RawStomp on the plain websocket endpoint, CONNECTED with `headers`. */
export async function rawSession(
  server: StompTestServer,
  resources: Resources,
  headers: Record<string, string> = {},
  url = server.wsUrl,
): Promise<RawStomp> {
  const raw = await RawStomp.open(url, resources);
  await raw.connect(headers);
  return raw;
}

/** Sends a frame asking for a receipt and waits for the RECEIPT: the server has handled it. */
export async function withReceipt(
  raw: RawStomp,
  command: StompFrame['command'],
  headers: Record<string, string> = {},
  body = '',
): Promise<void> {
  const receipt = unique('r');
  raw.send(command, { ...headers, receipt }, body);
  await raw.frames.waitFor(
    (frame) => frame.command === 'RECEIPT' && headerValue(frame, 'receipt-id') === receipt,
    `the receipt for ${command} ${headers.destination ?? headers.id ?? ''}`,
  );
}

/** SUBSCRIBE with a receipt: the subscription is live once this resolves. */
export function rawSubscribe(
  raw: RawStomp,
  id: string,
  destination: string,
  headers: Record<string, string> = {},
): Promise<void> {
  return withReceipt(raw, 'SUBSCRIBE', { id, destination, ...headers });
}

/** The MESSAGE frames received so far, of one subscription when given. */
export function messagesOf(raw: RawStomp, subscription?: string): StompFrame[] {
  return raw.frames.items.filter(
    (frame) =>
      frame.command === 'MESSAGE' &&
      (subscription === undefined || headerValue(frame, 'subscription') === subscription),
  );
}

/** Waits for at least `count` MESSAGE frames (of `subscription`), then returns them all. */
export async function waitForMessages(
  raw: RawStomp,
  count: number,
  what: string,
  subscription?: string,
  ms = DEFAULT_WAIT_MS,
): Promise<StompFrame[]> {
  await until(() => messagesOf(raw, subscription).length >= count, what, ms);
  return messagesOf(raw, subscription);
}

export function bodies(frames: readonly { body: string }[]): string[] {
  return frames.map((frame) => frame.body);
}

/** `prefix0 … prefix(count-1)`. */
export function numbered(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** The endpoint option that names a session's user from `?user=` on its URL (the handshake's principal). */
export const principalFromQuery: Partial<EndpointOptions> = {
  principal: (handshake) => {
    const user = new URL(handshake.req.url ?? '/', 'http://x').searchParams.get('user');
    return user ? { name: user } : undefined;
  },
};

/** The same server, with `?user=` on its URLs (see `principalFromQuery`). */
export function withUser<T extends { wsUrl: string; sockjsUrl: string }>(server: T, user: string): T {
  const query = `?user=${encodeURIComponent(user)}`;
  return { ...server, wsUrl: `${server.wsUrl}${query}`, sockjsUrl: `${server.sockjsUrl}${query}` };
}
