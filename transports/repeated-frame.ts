/** Frames over this size are not remembered: no large buffer is kept alive for a repeat that may not come. */
const REMEMBERED_MAX = 64 * 1024;

/**
 * Encodes frames, remembering the last one: a frame written to many connections in a row (a
 * broadcast) is encoded once for all of them. One per encoding (websocket frames, each HTTP format).
 */
export class RepeatedFrame {
  private lastFrame: string | undefined;
  private lastBytes: Buffer | undefined;

  constructor(private readonly encode: (frame: string) => Buffer) {}

  bytes(frame: string): Buffer {
    if (frame === this.lastFrame) return this.lastBytes as Buffer;
    const bytes = this.encode(frame);
    this.lastFrame = frame.length <= REMEMBERED_MAX ? frame : undefined;
    this.lastBytes = bytes;
    return bytes;
  }
}
