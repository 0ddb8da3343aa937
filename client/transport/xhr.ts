/**
 * xhr-streaming and xhr-polling, over fetch: a receiver (`<session>/xhr_streaming` or `<session>/xhr`)
 * and the sender (`<session>/xhr_send`). Named after the XHRs of sockjs-client; the wire is the same.
 */
import { HttpReceiver } from './http-receiver';
import { HttpSender } from './http-sender';
import type { OpenTransport, Transport, TransportContext } from './types';

function openXhr(path: 'xhr_streaming' | 'xhr', context: TransportContext): Transport {
  const { sessionUrl, query, receiveQuery, hooks } = context;
  let ended = false;
  const end = (code: number, reason: string): void => {
    if (ended) return;
    stop();
    hooks.end(code, reason);
  };
  const receiver = new HttpReceiver(
    () => `${sessionUrl}/${path}${receiveQuery()}`,
    { frame: (f) => hooks.frame(f), end },
    context.maxFrameLength,
  );
  const sender = new HttpSender(`${sessionUrl}/xhr_send${query}`, context, end);
  const stop = (code?: number, reason?: string): void => {
    ended = true;
    receiver.stop();
    sender.stop(code, reason);
  };
  receiver.start();
  return {
    send: (message) => sender.send(message),
    ack: () => sender.ack(),
    close: stop,
    takeUnsent: () => sender.takeUnsent(),
  };
}

export const openXhrStreaming: OpenTransport = (context) => openXhr('xhr_streaming', context);
export const openXhrPolling: OpenTransport = (context) => openXhr('xhr', context);
