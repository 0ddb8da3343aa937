import { Close, type CloseInfo, ReadyState, SockJsError } from '../../protocol';
import { type Logger, type SockJsHandler, type SockJsSession } from '../handler';
import { SerialCalls } from './serial-calls';

/**
 * Calls the application's handler for one session: one callback at a time, in order, async ones
 * awaited. A callback that throws or rejects is logged, reported to `onTransportError` and closes
 * the session with 1011 — it never reaches the process.
 */
export class HandlerCalls extends SerialCalls {
  // One object per session, the serial queue included: no closure per session for its errors.
  constructor(
    private readonly session: SockJsSession,
    private readonly handler: SockJsHandler,
    private readonly logger: Logger,
  ) {
    super();
  }

  protected override reportError(error: unknown): void {
    this.failed(error);
  }

  opened(): void {
    if (this.handler.onOpen) this.run(() => this.handler.onOpen?.(this.session));
  }

  message(text: string): void {
    if (!this.handler.onMessage) return;
    // Messages queued behind a slow callback are dropped once the session stops being open.
    this.run(() =>
      this.session.readyState === ReadyState.OPEN ? this.handler.onMessage?.(this.session, text) : undefined,
    );
  }

  binary(data: Buffer): void {
    const onBinaryMessage = this.handler.onBinaryMessage;
    if (!onBinaryMessage) {
      // Spring's TextWebSocketHandler answers binary the same way.
      this.session.close(Close.NO_BINARY_HANDLER.code, Close.NO_BINARY_HANDLER.reason);
      return;
    }
    this.run(() =>
      this.session.readyState === ReadyState.OPEN ? onBinaryMessage.call(this.handler, this.session, data) : undefined,
    );
  }

  drained(): void {
    if (this.handler.onDrain) this.run(() => this.handler.onDrain?.(this.session));
  }

  transportError(error: Error): void {
    if (this.handler.onTransportError) this.run(() => this.handler.onTransportError?.(this.session, error));
  }

  closed(info: CloseInfo): void {
    if (this.handler.onClose) this.run(() => this.handler.onClose?.(this.session, info));
  }

  private failed(error: unknown): void {
    const failure = new SockJsError('ERR_HANDLER_FAILED', error instanceof Error ? error.message : String(error), {
      cause: error,
    });
    this.logger.error({ err: failure, session: this.session.id }, failure.message);
    if (this.session.readyState !== ReadyState.OPEN) return;
    this.transportError(failure);
    this.session.close(Close.SERVER_ERROR.code, Close.SERVER_ERROR.reason);
  }
}
