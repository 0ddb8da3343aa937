/**
 * STOMP is a handler on an endpoint, not a second server: the endpoint's decorators, origin policy
 * and the Spring-model registry apply to STOMP sessions as to any other.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test } from 'node:test';
import express from 'express';
import { decorate, exceptionHandling, logging, sendLimits, WebSocketHandlerRegistry } from '../../server';
import { createStompServer } from '../../server/stomp';
import { RecordingLogger } from '../support/logger';
import { useStarted } from '../support/resources';
import { RawStomp, StompjsSession, type StompjsTransport } from '../support/stomp';
import { listenTracked, serveEndpoints } from '../support/servers';
import { wsRefusal } from '../support/ws-client';

describe('a decorated STOMP handler (logging, exceptionHandling, sendLimits)', () => {
  const logger = new RecordingLogger();
  const started = useStarted(async (resources) => {
    const stomp = createStompServer({ logger, heartBeat: [0, 0] });
    const handler = decorate(
      stomp.handler,
      logging(logger),
      exceptionHandling(),
      sendLimits({ sendTimeLimit: 10_000, bufferSizeLimit: 512 * 1024, overflow: 'terminate' }),
    );
    const http = await serveEndpoints([
      { prefix: '/stomp', handler, subprotocols: stomp.subprotocols, logger },
      { prefix: '/stomp-ws', sockjs: false, handler, subprotocols: stomp.subprotocols, logger },
    ]);
    resources.add(http, (server) => server.close());
    return { wsUrl: `${http.baseUrl.replace('http', 'ws')}/stomp-ws`, sockjsUrl: `${http.baseUrl}/stomp` };
  });

  for (const transport of ['ws', 'xhr-streaming'] as StompjsTransport[]) {
    test(`topic round trip over ${transport}, and the logging decorator saw the session`, async () => {
      const session = await StompjsSession.connect(started.running(), transport, started.resources);
      await session.subscribed(`/topic/decorated-${transport}`);
      session.client.publish({ destination: `/topic/decorated-${transport}`, body: 'through the decorators' });
      const message = await session.messages.waitFor(() => true, 'the message');
      assert.equal(message.body, 'through the decorators');
      await logger.waitFor((entry) => /open/i.test(entry.msg ?? ''), 'the logging decorator on open');
    });
  }
});

describe('the endpoint origin policy guards STOMP too', () => {
  const started = useStarted(async (resources) => {
    const stomp = createStompServer({ heartBeat: [0, 0], logger: new RecordingLogger() });
    const http = await serveEndpoints([
      {
        prefix: '/stomp-ws',
        sockjs: false,
        handler: stomp.handler,
        subprotocols: stomp.subprotocols,
        allowedOrigins: ['https://app.example'],
        logger: new RecordingLogger(),
      },
    ]);
    resources.add(http, (server) => server.close());
    return `${http.baseUrl.replace('http', 'ws')}/stomp-ws`;
  });

  test('a foreign origin is refused at the handshake; the allowed one gets CONNECTED', async () => {
    const refused = await wsRefusal(started.running(), { origin: 'https://evil.example', protocols: ['v12.stomp'] });
    assert.equal(refused.status, 403);
    const raw = await RawStomp.open(started.running(), started.resources);
    // RawStomp sends no Origin (a non-browser client), which the policy lets through.
    const connected = await raw.connect();
    assert.equal(connected.command, 'CONNECTED');
  });
});

describe('through the Spring-model registry', () => {
  const started = useStarted(async (resources) => {
    const stomp = createStompServer({ heartBeat: [0, 0], logger: new RecordingLogger() });
    const registry = new WebSocketHandlerRegistry();
    registry
      .addHandler(stomp.handler, '/stomp')
      .setSubprotocols(...stomp.subprotocols)
      .setAllowedOrigins('*')
      .withSockJS();
    const app = express();
    const server = createServer(app);
    registry.mount(app, server);
    const listening = await listenTracked(server);
    resources.add(listening, (l) => l.close());
    return {
      wsUrl: `${listening.baseUrl.replace('http', 'ws')}/stomp/websocket`,
      sockjsUrl: `${listening.baseUrl}/stomp`,
    };
  });

  for (const transport of ['ws', 'xhr-polling'] as StompjsTransport[]) {
    test(`registry.addHandler(stomp.handler, '/stomp').setSubprotocols(...).withSockJS() over ${transport}`, async () => {
      const session = await StompjsSession.connect(started.running(), transport, started.resources);
      assert.equal(session.connectedFrame?.headers.version, '1.2');
      await session.subscribed('/topic/registry');
      session.client.publish({ destination: '/topic/registry', body: 'via the registry' });
      assert.equal((await session.messages.waitFor(() => true, 'the message')).body, 'via the registry');
    });
  }
});
