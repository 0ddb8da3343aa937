/**
 * xhr-streaming and xhr-polling, over fetch: a receiver (`<session>/xhr_streaming` or `<session>/xhr`)
 * and the sender (`<session>/xhr_send`). Named after the XHRs of sockjs-client; the wire is the same.
 */
import { HttpReceiver } from './http-receiver';
import { HttpSender } from './http-sender';
import type { OpenTransport, Transport, TransportContext } from './types';

function openXhr(path: 'xhr_streaming' | 'xhr', { sessionUrl, query, hooks }: TransportContext): Transport {
  let ended = false;
  const end = (code: number, reason: string): void => {
    if (ended) return;
    stop();
    hooks.end(code, reason);
  };
  const receiver = new HttpReceiver(`${sessionUrl}/${path}${query}`, { frame: (f) => hooks.frame(f), end });
  const sender = new HttpSender(`${sessionUrl}/xhr_send${query}`, end);
  const stop = (): void => {
    ended = true;
    receiver.stop();
    sender.stop();
  };
  receiver.start();
  return { send: (message) => sender.send(message), close: stop, takeUnsent: () => sender.takeUnsent() };
}

export const openXhrStreaming: OpenTransport = (context) => openXhr('xhr_streaming', context);
export const openXhrPolling: OpenTransport = (context) => openXhr('xhr', context);
