/**
 * The two clients of the loss/duplication harness behind one interface: the unmodified
 * sockjs-client (through the scenarios' `ClientSession`) and our `SockJsSocket`, each with what
 * the harness counts — every message, the transport drops it noticed, its reconnects (and how many
 * of them were resumes).
 */
import WebSocket from 'ws';
import { SockJsSocket, type EventSourceConstructor } from '../../client';
import type { ClientSession } from './client';
import { resumeClientOptions } from './resume-options';
import { openClient, type ScenarioContext } from './rig';
import type { ChangeBus } from './wait';

export type HarnessClientKind = 'sockjs-client' | 'own';

export interface HarnessClient {
  readonly name: string;
  readonly kind: HarnessClientKind;
  /** Every message received, in order. */
  readonly messages: readonly string[];
  /** Transport drops the client noticed: our client's first `reconnecting` after being open; sockjs-client's close. */
  readonly drops: number;
  /** Reconnect attempts that failed (our client's later `reconnecting` events of one outage). */
  readonly failedAttempts: number;
  /** Times it was open again after a drop (`reconnected`). */
  readonly reconnects: number;
  /** Of those, the reattaches to the same server session (`reconnected` with `resumed: true`). */
  readonly resumes: number;
  /** The transports it opened on, in order (one per open and reconnect). */
  readonly transports: readonly string[];
  readonly closeEvent: { code: number; reason: string } | undefined;
  /** It will never send or receive again (closed for good). */
  readonly finished: boolean;
  /** Resolves with the first transport once open; rejects if it closes first or after `ms`. */
  opened(ms: number): Promise<string>;
  /** Sends if the client takes a message now (false: sockjs-client not open); errors are thrown. */
  trySend(text: string): boolean;
  close(): void;
}

/** The unmodified sockjs-client: no reconnect, so its close is its only drop. */
export function sockjsClientHarness(ctx: ScenarioContext, url: string, timeout: number): HarnessClient {
  const session: ClientSession = openClient(ctx, 'sockjs-client', url, { timeout });
  return {
    name: session.name,
    kind: 'sockjs-client',
    get messages() {
      return session.messages;
    },
    get drops() {
      return session.closeEvent ? 1 : 0;
    },
    failedAttempts: 0,
    reconnects: 0,
    resumes: 0,
    get transports() {
      return session.openedOn === undefined ? [] : [session.openedOn];
    },
    get closeEvent() {
      return session.closeEvent;
    },
    get finished() {
      return session.closeEvent !== undefined;
    },
    opened: (ms) => session.opened(ms),
    trySend(text) {
      // sockjs-client throws while connecting and drops in silence once closed: neither is a send.
      if (!session.isOpen) return false;
      session.send(text);
      return true;
    },
    close: () => session.close(),
  };
}

export interface OwnClientSettings {
  /** The client's `resume` option (used only when the server offers it). */
  readonly resume: boolean;
  /** The server's heartbeat interval (the client's liveness check follows it). */
  readonly heartbeatInterval: number;
  /** Node has no global EventSource; the tests pass the `eventsource` package's. Without it eventsource is skipped. */
  readonly EventSource?: EventSourceConstructor;
}

/** Backoff of the harness's own client: short, so that a run without resume reconnects within it. */
const RECONNECT = { minReconnectDelay: 100, maxReconnectDelay: 1000 } as const;

/**
 * Messages `send()` may queue while reconnecting: the harness goes on sending at its rate during
 * an outage (a few hundred a second), above the client's default 1000.
 */
const QUEUE_LIMIT = 100_000;

/** Our SockJsSocket, with `ws` for websocket. */
export function ownClientHarness(bus: ChangeBus, url: string, settings: OwnClientSettings): HarnessClient {
  const socket = new SockJsSocket(url, {
    WebSocket,
    ...(settings.EventSource ? { EventSource: settings.EventSource } : {}),
    heartbeatInterval: settings.heartbeatInterval,
    maxQueuedMessages: QUEUE_LIMIT,
    ...RECONNECT,
    ...resumeClientOptions(settings.resume),
  });
  const messages: string[] = [];
  const transports: string[] = [];
  const state = {
    drops: 0,
    failedAttempts: 0,
    reconnects: 0,
    resumes: 0,
    close: undefined as { code: number; reason: string } | undefined,
  };
  socket.addEventListener('message', (event) => {
    messages.push(event.data);
    bus.changed();
  });
  socket.addEventListener('transport', (event) => {
    transports.push(event.transport);
    bus.changed();
  });
  socket.addEventListener('reconnecting', (event) => {
    // Attempt 1 follows a loss; the later ones, failed attempts of the same outage.
    if (event.attempt === 1) state.drops++;
    else state.failedAttempts++;
    bus.changed();
  });
  socket.addEventListener('reconnected', (event) => {
    state.reconnects++;
    // `resumed` comes with the resume extension; read it without assuming the type has it yet.
    if (event.resumed) state.resumes++;
    bus.changed();
  });
  socket.addEventListener('close', (event) => {
    state.close = { code: event.code, reason: event.reason };
    bus.changed();
  });
  const name = `SockJsSocket (resume ${settings.resume ? 'on' : 'off'})`;
  return {
    name,
    kind: 'own',
    messages,
    get drops() {
      return state.drops;
    },
    get failedAttempts() {
      return state.failedAttempts;
    },
    get reconnects() {
      return state.reconnects;
    },
    get resumes() {
      return state.resumes;
    },
    transports,
    get closeEvent() {
      return state.close;
    },
    get finished() {
      return state.close !== undefined;
    },
    opened: (ms) =>
      bus.until(
        () => {
          if (state.close)
            throw new Error(`${name} closed before it opened: ${state.close.code} ${state.close.reason}`);
          return transports[0];
        },
        `${name} to open`,
        ms,
      ),
    trySend(text) {
      if (state.close) return false;
      socket.send(text);
      return true;
    },
    close() {
      if (socket.readyState !== SockJsSocket.CLOSED && socket.readyState !== SockJsSocket.CLOSING) socket.close();
    },
  };
}
