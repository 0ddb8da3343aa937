import type { IncomingMessage, ServerResponse } from 'node:http';
import { SockJsError } from '../../protocol';

/** `Expect: 100-continue` requests that have not been told to go on yet: their clients wait. */
const continueOwed = new WeakSet<IncomingMessage>();

/**
 * Marks a request whose `100 Continue` is held back (the server's 'checkContinue' event): the client
 * sends its body only once `readBody` has checked its declared size.
 */
export function owesContinue(req: IncomingMessage): void {
  continueOwed.add(req);
}

/**
 * Reads a request body as UTF-8 text, refusing more than `limit` bytes: up front from
 * Content-Length (before any `100 Continue`), and while it streams in for chunked bodies.
 * Listeners are removed on every exit.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, limit: number, timeoutMs: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new SockJsError('ERR_PAYLOAD_TOO_LARGE', `${declared} bytes declared, limit ${limit}`));
  }
  if (continueOwed.delete(req)) res.writeContinue();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // A client that trickles its body (slowloris) holds a socket and a buffer: bound the time.
    const timer = setTimeout(() => {
      cleanup();
      req.pause();
      reject(new SockJsError('ERR_BODY_TIMEOUT', `no complete body within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Stop reading; the caller answers 413 and the connection is not reused.
        req.pause();
        reject(new SockJsError('ERR_PAYLOAD_TOO_LARGE', `more than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(
        chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8'),
      );
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new SockJsError('ERR_BODY_ABORTED', error.message, { cause: error }));
    };
    const onClose = (): void => {
      if (req.complete) return;
      cleanup();
      reject(new SockJsError('ERR_BODY_ABORTED'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** The media type of a request, lowercased, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
