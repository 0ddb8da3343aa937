import type { IncomingHttpHeaders } from 'node:http';
import type { Principal, SockJsSession } from '../handler';
import type { ReadyState, TransportName } from '../../protocol';

/** A session that forwards everything to another; decorators override what they change. */
export class SessionWrapper implements SockJsSession {
  constructor(protected readonly delegate: SockJsSession) {}

  get id(): string {
    return this.delegate.id;
  }
  get transport(): TransportName {
    return this.delegate.transport;
  }
  get remoteAddress(): string {
    return this.delegate.remoteAddress;
  }
  get headers(): Readonly<IncomingHttpHeaders> {
    return this.delegate.headers;
  }
  get attributes(): Map<string, unknown> {
    return this.delegate.attributes;
  }
  get principal(): Principal | undefined {
    return this.delegate.principal;
  }
  get protocol(): string {
    return this.delegate.protocol;
  }
  get readyState(): ReadyState {
    return this.delegate.readyState;
  }
  get bufferedAmount(): number {
    return this.delegate.bufferedAmount;
  }
  send(message: string): boolean {
    return this.delegate.send(message);
  }
  sendBinary(data: Uint8Array): boolean {
    return this.delegate.sendBinary(data);
  }
  close(code?: number, reason?: string): void {
    this.delegate.close(code, reason);
  }
  setHeartbeat(enabled: boolean): void {
    this.delegate.setHeartbeat(enabled);
  }
}
