/**
 * The unmodified sockjs-client (1.6.x) in Node, opened through client/'s `openSockJs` — its own
 * drivers: faye-websocket for websocket, http.request for the XHR transports, the `eventsource`
 * package for eventsource — with what a scenario needs to watch it: every message, heartbeats,
 * the transport it opened on, the close.
 */
import { isLive, openSockJs, type SockJsClient, type SockJsCloseEvent } from '../../client';
import type { ChangeBus } from './wait';

export type ClientCloseEvent = SockJsCloseEvent;

export interface ClientOptions {
  /** sockjs-client's `transports` whitelist; none lets it choose (Node: websocket first). */
  transports?: string[];
  /**
   * sockjs-client's `timeout`: how long a transport may take to open before the next is tried.
   * Its own default is derived from the /info round trip (about 600 ms on loopback).
   */
  timeout?: number;
}

export class ClientSession {
  readonly messages: string[] = [];
  heartbeats = 0;
  /** The transport it opened on. */
  openedOn: string | undefined;
  closeEvent: ClientCloseEvent | undefined;
  private readonly sock: SockJsClient;

  constructor(
    readonly name: string,
    readonly url: string,
    options: ClientOptions,
    private readonly bus: ChangeBus,
  ) {
    this.sock = openSockJs(url, options);
    this.sock.onopen = () => {
      this.openedOn = this.sock.transport ?? undefined;
      bus.changed();
    };
    this.sock.onmessage = (event) => {
      this.messages.push(event.data);
      bus.changed();
    };
    this.sock.onheartbeat = () => {
      this.heartbeats++;
      bus.changed();
    };
    this.sock.onclose = (event) => {
      this.closeEvent = { code: event.code, reason: event.reason, wasClean: event.wasClean };
      bus.changed();
    };
  }

  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  get readyState(): number {
    return this.sock.readyState;
  }

  get isOpen(): boolean {
    return this.sock.readyState === 1;
  }

  /** The transport in use now (null unless open). */
  get transport(): string | null {
    return this.sock.transport;
  }

  /** Resolves with the transport once open; rejects if it closes first or after `ms`. */
  opened(ms: number): Promise<string> {
    return this.bus.until(
      () => {
        if (this.openedOn !== undefined) return this.openedOn;
        if (this.closeEvent)
          throw new Error(`${this.name} closed before it opened: ${this.closeEvent.code} ${this.closeEvent.reason}`);
        return undefined;
      },
      `${this.name} to open`,
      ms,
    );
  }

  closed(ms: number): Promise<ClientCloseEvent> {
    return this.bus.until(
      () => this.closeEvent,
      `${this.name} to close`,
      ms,
      () => `readyState ${this.readyState}`,
    );
  }

  send(text: string): void {
    this.sock.send(text);
  }

  close(): void {
    if (isLive(this.sock)) this.sock.close();
  }
}
