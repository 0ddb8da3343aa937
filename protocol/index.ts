/**
 * The SockJS vocabulary shared by server and client: pure code, no `node:` imports and no DOM,
 * so that every layer above (transports, server, client) can depend on it and it on nothing.
 */
export * from './close';
export * from './errors';
export * from './frames';
export * from './option-keys';
export * from './resume';
export * from './states';
export * from './stomp';
