/** True when any message is over `limit` UTF-8 bytes (no byte count for the many short ones). */
export function anyTooBig(messages: readonly string[], limit: number): boolean {
  for (const message of messages) {
    if (message.length * 3 > limit && Buffer.byteLength(message) > limit) return true;
  }
  return false;
}

/**
 * The largest websocket text frame that can carry one message of `limit` bytes: JSON escaping
 * turns a byte into at most 6 (`\u001f`), plus the brackets and quotes around it.
 */
export function sockjsFrameLimit(limit: number): number {
  return Math.min(limit * 6 + 4, 2 ** 31 - 1);
}
