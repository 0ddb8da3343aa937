/** What every SockJS client of the load generator looks like, whatever its transport. */
import { randomBytes } from 'node:crypto';

export type Transport = 'websocket' | 'xhr-streaming' | 'xhr-polling';

export interface Target {
  host: string;
  port: number;
}

/** What a client session reports; every callback is optional. */
export interface SessionListener {
  open?(): void;
  messages?(messages: string[]): void;
  heartbeat?(): void;
  /** The session ended without the client asking: a close frame, a dropped connection, an error. */
  lost?(why: string): void;
}

export interface ClientSession {
  readonly transport: Transport;
  /** Open frame seen, not lost, not closed by us. */
  readonly isOpen: boolean;
  readonly heartbeats: number;
  /** Queues one message (as sockjs-client's `send`). */
  send(message: string): void;
  /** Ends the session from the client side (no `lost` callback). */
  close(): void;
}

const prefix = randomBytes(3).toString('hex');
let counter = 0;

/** A session id unique within the run. */
export function sessionPath(service: string): string {
  counter++;
  return `/${service}/${String(counter % 1000).padStart(3, '0')}/${prefix}${counter.toString(36)}`;
}

/**
 * Handles one SockJS frame; false when it was a close frame or unreadable. `o` and `h` and
 * `a[...]` are the frames an open session sees.
 */
export function dispatchFrame(
  frame: string,
  listener: SessionListener,
  onOpen: () => void,
  onHeartbeat: () => void,
): boolean {
  switch (frame.charCodeAt(0)) {
    case 0x61: /* a */ {
      const messages = JSON.parse(frame.slice(1)) as string[];
      listener.messages?.(messages);
      return true;
    }
    case 0x68 /* h */:
      onHeartbeat();
      listener.heartbeat?.();
      return true;
    case 0x6f /* o */:
      onOpen();
      listener.open?.();
      return true;
    default:
      return false;
  }
}

/**
 * Loopback source addresses to spread client sockets over (ephemeral ports are per source
 * address): 127.0.0.2, 127.0.0.3, ... — 127.0.0.1 is left to the short-lived connections of the
 * other scenarios. `count` 0: the kernel picks (127.0.0.1).
 */
export function sourceAddress(index: number, count: number): string | undefined {
  if (count <= 0) return undefined;
  return `127.0.0.${2 + (index % count)}`;
}
