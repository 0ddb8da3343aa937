import type { IncomingHttpHeaders } from 'node:http';
import { SockJsError } from '../errors';
import { CloseCode, ReadyState, type CloseInfo, type SockJsSession } from '../handler';
import type { TextSocket } from '../../transports/text-socket';
import { HandlerCalls } from './handler-calls';
import type { SessionContext } from './session';

/**
 * A session on the raw `/websocket` endpoint: plain websocket text messages, no SockJS framing,
 * no queue of its own (the websocket buffers), the same handler interface.
 */
export class RawSession implements SockJsSession {
  readonly transport = 'websocket-raw';
  readonly attributes = new Map<string, unknown>();
  readyState: ReadyState = ReadyState.OPEN;
  private readonly calls: HandlerCalls;

  constructor(
    readonly id: string,
    readonly remoteAddress: string,
    readonly headers: Readonly<IncomingHttpHeaders>,
    private readonly socket: TextSocket,
    private readonly context: SessionContext,
  ) {
    this.calls = new HandlerCalls(this, context.handler, context.logger);
    socket.listen({
      message: (text) => this.calls.message(text),
      close: (code, reason) => this.closed({ code, reason }),
      drain: () => undefined,
      error: (error) => this.fail(error),
    });
    this.calls.opened();
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(message: string): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    this.socket.send(String(message));
    return true;
  }

  close(code: number = CloseCode.NORMAL, reason = 'Normal closure'): void {
    if (this.readyState !== ReadyState.OPEN) return;
    this.readyState = ReadyState.CLOSING;
    this.calls.closed({ code, reason });
    this.socket.close(code, reason);
  }

  terminate(info: CloseInfo): void {
    this.close(info.code, info.reason);
    this.socket.terminate();
    this.closed(info);
  }

  private fail(error: Error): void {
    const failure = new SockJsError('ERR_TRANSPORT', error.message, { cause: error });
    this.context.logger.warn({ err: failure, session: this.id }, 'transport error');
    if (this.readyState === ReadyState.OPEN) this.calls.transportError(failure);
    this.close(CloseCode.SERVER_ERROR, 'Transport error');
  }

  /** The websocket is closed: report it if the peer closed first, then forget the session. */
  private closed(info: CloseInfo): void {
    if (this.readyState === ReadyState.CLOSED) return;
    if (this.readyState === ReadyState.OPEN) this.calls.closed(info);
    this.readyState = ReadyState.CLOSED;
    this.context.forget(this);
  }
}
