/**
 * Server-to-client websocket frames (RFC 6455 §5.2), unmasked, each built into one buffer so that
 * it leaves in one plain write: `ws` would build a header and a payload buffer and write both
 * with writev, which costs more than the frame itself for the small frames SockJS mostly sends.
 */

const FIN_TEXT = 0x81;
const FIN_PING = 0x89;

/** A text frame holding `text`. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = FIN_TEXT;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, header, 'utf8');
  return frame;
}

/** A text frame and an empty ping, back to back: a heartbeat that also asks for a pong. */
export function textFrameAndPing(text: string): Buffer {
  const frame = textFrame(text);
  return Buffer.concat([frame, Buffer.from([FIN_PING, 0])]);
}
