/** `sockjs-ts-server/stomp`: STOMP 1.0–1.2 messaging on an endpoint, Spring's `@EnableWebSocketMessageBroker` model. */
export { createStompServer, type StompServer } from './server';
export { STOMP_DEFAULTS, type StompServerOptions } from './options';
export type { MessagingTemplate } from './template';
export type {
  ChannelInterceptor,
  InboundContext,
  MappingOptions,
  MessageExceptionHandler,
  MessageHandler,
  StompEventListener,
  StompEventName,
  StompEvents,
  StompMessage,
  StompSession,
  StompStats,
} from './types';
export type { BrokerStats, MessageBroker, Settlement, StompCredentials, Subscriber } from './broker/broker';
export { OutboundMessage, type AckMode } from './message';
export { MemoryBroker, MEMORY_BROKER_DEFAULTS, type MemoryBrokerOptions } from './broker/memory-broker';
export { STOMP_ERROR_CLOSE } from './connection/stomp-connection';
export { createStompBrokerRelay, type RelayEventName, type RelayStats, type StompBrokerRelay } from './relay/relay';
export {
  RELAY_DEFAULTS,
  type BrokerAddress,
  type SessionCredentials,
  type StompBrokerRelayOptions,
} from './relay/options';
