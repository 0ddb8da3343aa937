/** The client transports by name. */
import { openEventSource } from './eventsource';
import { openWebSocket } from './websocket';
import { openXhrPolling, openXhrStreaming } from './xhr';
import type { ClientTransportName, OpenTransport } from './types';

export const OPENERS: Readonly<Record<ClientTransportName, OpenTransport>> = {
  websocket: openWebSocket,
  'xhr-streaming': openXhrStreaming,
  eventsource: openEventSource,
  'xhr-polling': openXhrPolling,
};

export { CLIENT_TRANSPORTS, type ClientTransportName, type Transport, type TransportHooks } from './types';
