import { eventsource } from './eventsource';
import { htmlfile } from './htmlfile';
import { jsonpPolling } from './jsonp-polling';
import { jsonpSend } from './jsonp-send';
import type { HttpTransport } from './types';
import { xhrPolling } from './xhr-polling';
import { xhrSend } from './xhr-send';
import { xhrStreaming } from './xhr-streaming';

/** The HTTP transport table, keyed by the last path segment. (Websockets arrive as upgrades.) */
export const HTTP_TRANSPORTS: ReadonlyMap<string, HttpTransport> = new Map(
  [xhrPolling, xhrSend, xhrStreaming, eventsource, htmlfile, jsonpPolling, jsonpSend].map((t) => [t.path, t]),
);

export type {
  DroppedResponsePolicy,
  HttpTransport,
  SessionHost,
  SessionUse,
  TransportRequest,
  TransportSession,
  TransportSettings,
} from './types';
export type { Receiver } from './receiver';
