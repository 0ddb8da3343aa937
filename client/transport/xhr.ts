/**
 * xhr-streaming and xhr-polling, over fetch: a receiver (`<session>/xhr_streaming` or `<session>/xhr`)
 * and the sender (`<session>/xhr_send`). Named after the XHRs of sockjs-client; the wire is the same.
 */
import { HttpReceiver } from './http-receiver';
import { openHttpTransport } from './http-sender';
import type { OpenTransport, Transport, TransportContext } from './types';

function openXhr(path: 'xhr_streaming' | 'xhr', context: TransportContext): Transport {
  const { sessionUrl, receiveQuery, hooks } = context;
  return openHttpTransport(context, (end) => {
    const receiver = new HttpReceiver(
      () => `${sessionUrl}/${path}${receiveQuery()}`,
      { frame: hooks.frame, end },
      context.maxFrameLength,
    );
    receiver.start();
    return () => receiver.stop();
  });
}

export const openXhrStreaming: OpenTransport = (context) => openXhr('xhr_streaming', context);
export const openXhrPolling: OpenTransport = (context) => openXhr('xhr', context);
