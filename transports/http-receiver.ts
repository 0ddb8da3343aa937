import type { ServerResponse } from 'node:http';
import { Close, type CloseInfo, HEARTBEAT_FRAME, type TransportName } from '../protocol';
import type { Receiver, ReceiverOwner } from './receiver';
import type { DroppedResponsePolicy } from './types';

/**
 * A receiver dropped mid-response ends its session, as the protocol says (see `onDroppedResponse`):
 * frames written to it may be lost, so the client must hear that it may have missed messages.
 * (A drop after a response has fully left is invisible here: SockJS has no acknowledgements.)
 */
const INTERRUPTED: CloseInfo = Close.INTERRUPTED;

/** How one HTTP transport carries frames: everything else is shared. */
export interface HttpReceiverSpec {
  readonly transport: TransportName;
  /** End the response after one frame. */
  readonly polling: boolean;
  /** The transport's format (`%s\n`, `data: %s\r\n\r\n`, a script tag...). */
  readonly format: FrameFormat;
}

/** Frames over this size are not remembered (see FrameFormat). */
const REMEMBERED_MAX = 64 * 1024;

/**
 * Wraps frames in one transport's format, remembering the last one: a frame written to many
 * responses in a row (a broadcast) is formatted once and turned into bytes once for all of them.
 */
export class FrameFormat {
  private lastFrame: string | undefined;
  private lastText = '';
  private lastBytes: Buffer | undefined;

  constructor(private readonly wrap: (frame: string) => string) {}

  /** What to write for `frame`: its text the first time, shared bytes when it repeats. */
  wire(frame: string): string | Buffer {
    if (frame === this.lastFrame) return (this.lastBytes ??= Buffer.from(this.lastText));
    const text = this.wrap(frame);
    this.lastFrame = frame.length <= REMEMBERED_MAX ? frame : undefined;
    this.lastText = text;
    this.lastBytes = undefined;
    return text;
  }
}

const RECEIVER = Symbol('HttpReceiver');
type Marked = ServerResponse & { [RECEIVER]?: HttpReceiver };

// Listeners are these module functions (`this` is the response), not closures made per response.
function onResponseClose(this: Marked): void {
  this[RECEIVER]?.responseClosed();
}

function onResponseDrain(this: Marked): void {
  this.off('drain', onResponseDrain);
  this[RECEIVER]?.responseDrained();
}

/**
 * A receiver over one HTTP response. Streaming responses are ended once `responseLimit` bytes of
 * frames have been written (the client reconnects), polling ones after their first frame. Each
 * frame is one `write()`, hence one HTTP chunk.
 */
export class HttpReceiver implements Receiver {
  readonly transport: TransportName;
  private owner: ReceiverOwner | undefined;
  /** A write said the response is full; a 'drain' listener is on until it empties. */
  private full = false;
  private ended = false;
  private bytesSent = 0;
  /** A frame other than a heartbeat went out: a drop from now on may have lost something. */
  private carried = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly spec: HttpReceiverSpec,
    private readonly responseLimit: number,
    private readonly onDropped: DroppedResponsePolicy,
  ) {
    this.transport = spec.transport;
    (res as Marked)[RECEIVER] = this;
    res.on('close', onResponseClose);
  }

  /** 'close' before we ended: the client or a proxy dropped the connection mid-response. */
  responseClosed(): void {
    if (this.ended) return;
    const interrupts = this.dropInterrupts();
    this.owner?.receiverDropped(this, interrupts ? 'interrupted' : 'resumed');
    this.detach(interrupts ? INTERRUPTED : undefined);
  }

  responseDrained(): void {
    this.full = false;
    this.owner?.receiverDrained(this);
  }

  get writable(): boolean {
    return !this.ended && !this.full;
  }

  bind(owner: ReceiverOwner): void {
    this.owner = owner;
  }

  unbind(): void {
    this.owner = undefined;
  }

  sendFrame(frame: string, control = false): boolean {
    if (this.ended) return false;
    if (control) return this.res.write(this.spec.format.wire(frame));
    if (frame !== HEARTBEAT_FRAME) this.carried = true;
    const data = this.spec.format.wire(frame);
    const accepted = this.res.write(data);
    // A polling response ends after its one frame: only streaming ones count bytes.
    if (
      this.spec.polling ||
      (this.bytesSent += typeof data === 'string' ? Buffer.byteLength(data) : data.length) >= this.responseLimit
    ) {
      this.end();
    } else if (!accepted && !this.full) {
      this.full = true;
      this.res.on('drain', onResponseDrain);
    }
    return accepted;
  }

  heartbeat(): void {
    this.sendFrame(HEARTBEAT_FRAME);
  }

  /** A dropped response is reported by its 'close' event; nothing to check. */
  sweep(): void {}

  get deadline(): number {
    return Infinity;
  }

  end(): void {
    if (this.ended) return;
    const owner = this.owner;
    const { res } = this;
    const socket = res.socket;
    // Frames still buffered when we end can die with the connection after we have let go of it;
    // the socket already destroyed when the response finishes is the one sign of that. (The
    // response lets go of its socket on 'finish', so it is kept from here.)
    if (owner && socket && res.writableLength > 0 && this.dropInterrupts()) {
      res.once('finish', () => {
        if (socket.destroyed) owner.receiverLost(this, INTERRUPTED);
      });
    }
    res.end();
    this.detach(undefined);
  }

  private dropInterrupts(): boolean {
    return this.onDropped === 'interrupt' || (this.onDropped === 'resume-if-idle' && this.carried);
  }

  private detach(sessionOver: CloseInfo | undefined): void {
    if (this.ended) return;
    this.ended = true;
    const owner = this.owner;
    this.owner = undefined;
    owner?.receiverDetached(this, sessionOver);
  }
}
