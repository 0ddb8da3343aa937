/**
 * The standard services of the SockJS protocol suite (sockjs-protocol's test server), shipped for
 * `sockjs-ts-server --services` and used by `npm start` and the tests.
 */
import type { EndpointOptions, SockJsHandler, SockJsSession } from '../server';

export const echo: SockJsHandler = {
  onMessage(session, message) {
    session.send(message);
  },
};

/** Sends `tick!` every second while open. */
function ticker(): SockJsHandler {
  const timers = new WeakMap<SockJsSession, NodeJS.Timeout>();
  return {
    onOpen(session) {
      timers.set(
        session,
        setInterval(() => session.send('tick!'), 1000),
      );
    },
    onClose(session) {
      clearInterval(timers.get(session));
    },
  };
}

/** Answers message `n` with 2^n `x` characters (n outside 0..19 counts as 1). */
const amplify: SockJsHandler = {
  onMessage(session, message) {
    let n = Number.parseInt(message, 10);
    if (!(n >= 0 && n <= 19)) n = 1;
    session.send('x'.repeat(2 ** n));
  },
};

function broadcast(): SockJsHandler {
  const members = new Set<SockJsSession>();
  return {
    onOpen(session) {
      members.add(session);
    },
    onMessage(_session, message) {
      for (const member of members) member.send(message);
    },
    onClose(session) {
      members.delete(session);
    },
  };
}

/** The services of the SockJS protocol suite, at the URLs it expects; any origin, as it expects. */
export function testServiceOptions(): EndpointOptions[] {
  const services: EndpointOptions[] = [
    { prefix: '/echo', handler: echo, responseLimit: 4096 },
    { prefix: '/close', handler: { onOpen: (session) => session.close(3000, 'Go away!') } },
    { prefix: '/disabled_websocket_echo', handler: echo, websocket: false },
    { prefix: '/cookie_needed_echo', handler: echo, jsessionid: true },
    { prefix: '/ticker', handler: ticker() },
    { prefix: '/amplify', handler: amplify },
    { prefix: '/broadcast', handler: broadcast() },
  ];
  return services.map((service) => ({ ...service, allowedOrigins: ['*'] }));
}
