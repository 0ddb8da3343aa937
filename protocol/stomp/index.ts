/** STOMP 1.0–1.2 frame codec: pure text in, frames and heart-beats out, and back. */
export * from './decoder';
export * from './decoder-options';
export * from './encoder';
export * from './escape';
export * from './frame';
export * from './negotiation';
