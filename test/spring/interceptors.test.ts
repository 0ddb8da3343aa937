/**
 * HandshakeInterceptor: once per session on the request that opens it (every transport), vetoes
 * (`false` → 403, `{status, body}` → that status, websocket upgrades included), attributes handed
 * to the session, afterHandshake in reverse order with the error, and failing interceptors (500,
 * logged).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  SockJsError,
  type Handshake,
  type HandshakeInterceptor,
  type SockJsHandler,
  type SockJsSession,
} from '../../server';
import { Events } from '../support/events';
import { HttpStream } from '../support/http-stream';
import { RecordingLogger } from '../support/logger';
import { GET, POST, type HttpResponse } from '../support/raw-http';
import { sockjsWsPath, wsUrl } from '../support/sockjs';
import { connectSockJs, NODE_CLIENT_TRANSPORTS } from '../support/sockjs-client';
import { useSpringApp } from '../support/spring';
import { withTimeout } from '../support/wait';
import { WsClient, wsRefusal } from '../support/ws-client';
import { XhrPollingSession } from '../support/xhr-polling';

interface HandshakeCall {
  endpoint: string;
  step: string;
  transport: string;
  url: string;
  error?: Error | undefined;
}

const calls = new Events<HandshakeCall>();
const opened = new Events<{ endpoint: string; session: SockJsSession; attributes: Map<string, unknown> }>();

/** Records its calls; `decide` is what beforeHandshake returns (or throws). */
function recording(
  endpoint: string,
  name: string,
  decide: (h: Handshake) => ReturnType<NonNullable<HandshakeInterceptor['beforeHandshake']>> = () => true,
): HandshakeInterceptor {
  return {
    beforeHandshake(handshake) {
      calls.push({ endpoint, step: `before:${name}`, transport: handshake.transport, url: handshake.req.url ?? '' });
      return decide(handshake);
    },
    afterHandshake(handshake, error) {
      calls.push({
        endpoint,
        step: `after:${name}`,
        transport: handshake.transport,
        url: handshake.req.url ?? '',
        error,
      });
    },
  };
}

function echo(endpoint: string): SockJsHandler {
  return {
    onOpen(session) {
      opened.push({ endpoint, session, attributes: new Map(session.attributes) });
    },
    onMessage(session, message) {
      session.send(message);
    },
  };
}

const logger = new RecordingLogger();

const { running, resources } = useSpringApp(
  (registry) => {
    registry
      .addHandler(echo('/open'), '/open')
      .addInterceptors(
        recording('/open', 'A', (h) => {
          h.attributes.set('from-A', h.transport);
        }),
        recording('/open', 'B', async (h) => {
          await new Promise((resolve) => setImmediate(resolve));
          h.attributes.set('from-B', { url: h.req.url });
          return true;
        }),
      )
      .setPrincipalResolver((h) => ({ name: `user-of-${String(h.attributes.get('from-A'))}` }))
      .withSockJS({ disconnectDelay: 30_000 });
    registry
      .addHandler(echo('/plain'), '/plain')
      .addInterceptors(recording('/plain', 'A', (h) => void h.attributes.set('plain', true)));
    registry
      .addHandler(echo('/deny'), '/deny')
      .addInterceptors(recording('/deny', 'A', () => false))
      .withSockJS();
    registry
      .addHandler(echo('/auth'), '/auth')
      .addInterceptors(recording('/auth', 'A', async () => ({ status: 401, body: 'Log in first.' })))
      .withSockJS();
    registry
      .addHandler(echo('/chain'), '/chain')
      .addInterceptors(
        recording('/chain', 'A'),
        recording('/chain', 'B', (h) => (h.req.url?.includes('refuse') ? { status: 429, body: 'slow down' } : true)),
        recording('/chain', 'C'),
      )
      .withSockJS();
    registry
      .addHandler(echo('/boom'), '/boom')
      .addInterceptors(
        recording('/boom', 'A'),
        recording('/boom', 'B', (h) => {
          if (h.req.url?.includes('reject')) return Promise.reject(new Error('rejected in B'));
          throw new Error('thrown in B');
        }),
      )
      .withSockJS();
  },
  { logger },
);

const marked = (marker: string) => (c: HandshakeCall) => c.url.includes(marker);

describe('beforeHandshake runs once per session, on its first request', () => {
  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(
      `sockjs-client over ${transport}: one beforeHandshake per interceptor for a session with many requests`,
      { timeout: 15_000 },
      async () => {
        const marker = randomUUID();
        const client = connectSockJs(`${running().baseUrl}/open?m=${marker}`, transport, resources);
        await client.opened;
        for (let i = 0; i < 5; i++) {
          client.sock.send(`m${i}`);
          // One at a time: each message is its own xhr_send and (xhr-polling) its own poll.
          assert.equal(await client.message(i), `m${i}`);
        }
        client.sock.close();
        await withTimeout(client.closed, 'the client close');
        const mine = calls.items.filter(marked(marker));
        assert.deepEqual(
          mine.map((c) => c.step),
          ['before:A', 'before:B', 'after:B', 'after:A'],
        );
        assert.ok(
          mine.every((c) => c.transport === transport),
          `transport seen by interceptors: ${mine.map((c) => c.transport).join()}`,
        );
        assert.ok(mine.every((c) => c.error === undefined));
        assert.ok(!mine.some((c) => c.url.includes('/info')), '/info is no handshake');
        const expectedPath =
          transport === 'websocket' ? '/websocket' : transport === 'xhr-streaming' ? '/xhr_streaming' : '/xhr';
        assert.ok(mine[0]?.url.includes(expectedPath), `handshake on ${mine[0]?.url}`);
      },
    );
  }

  test(
    'raw xhr-polling: later polls and xhr_sends run no interceptor; xhr_send to an unknown session is 404 without one',
    { timeout: 15_000 },
    async () => {
      const xhr = new XhrPollingSession(running().port, '/open');
      await xhr.open();
      for (let i = 0; i < 3; i++) {
        assert.equal((await xhr.send([`x${i}`])).status, 204);
        assert.equal(await xhr.pollFrame(), `a["x${i}"]`);
      }
      assert.deepEqual(
        calls.items.filter(marked(xhr.id)).map((c) => `${c.step}@${c.transport}`),
        ['before:A@xhr-polling', 'before:B@xhr-polling', 'after:B@xhr-polling', 'after:A@xhr-polling'],
      );
      const unknown = randomUUID();
      const send = await POST(running().port, `/open/000/${unknown}/xhr_send`, { body: '["x"]' });
      assert.equal(send.status, 404);
      assert.equal(calls.items.filter(marked(unknown)).length, 0);
    },
  );

  test('two concurrent first requests for one session id share one handshake', { timeout: 10_000 }, async () => {
    const id = randomUUID();
    const polls = [POST(running().port, `/open/000/${id}/xhr`), POST(running().port, `/open/000/${id}/xhr`)];
    // One poll opens the session ('o'); the other becomes its pending poll and carries the next message.
    const first = await Promise.race(polls);
    assert.equal(first.body, 'o\n');
    await opened.waitFor((o) => o.session.id === id, 'onOpen');
    assert.equal((await POST(running().port, `/open/000/${id}/xhr_send`, { body: '["after"]' })).status, 204);
    const bodies = (await Promise.all(polls)).map((r) => r.body).sort();
    assert.deepEqual(bodies, ['a["after"]\n', 'o\n']);
    assert.deepEqual(
      calls.items.filter(marked(id)).map((c) => c.step),
      ['before:A', 'before:B', 'after:B', 'after:A'],
    );
    assert.equal(
      opened.count((o) => o.session.id === id),
      1,
    );
  });

  const rawTransports: Array<{ transport: string; open: (port: number, path: string) => Promise<unknown> }> = [
    { transport: 'eventsource', open: (port, path) => openStream(port, 'GET', `${path}/eventsource`) },
    { transport: 'htmlfile', open: (port, path) => openStream(port, 'GET', `${path}/htmlfile?c=cb`) },
    { transport: 'jsonp-polling', open: (port, path) => GET(port, `${path}/jsonp?c=cb`) },
    { transport: 'xhr-streaming', open: (port, path) => openStream(port, 'POST', `${path}/xhr_streaming`) },
  ];
  for (const { transport, open } of rawTransports) {
    test(
      `${transport}: the first request runs the interceptors and says "${transport}"; the session gets the attributes`,
      { timeout: 10_000 },
      async () => {
        const id = randomUUID();
        await open(running().port, `/open/000/${id}`);
        const session = await opened.waitFor((o) => o.endpoint === '/open' && o.session.id === id, 'onOpen');
        assert.equal(session.session.transport, transport);
        assert.equal(session.attributes.get('from-A'), transport);
        assert.deepEqual(
          calls.items.filter(marked(id)).map((c) => `${c.step}@${c.transport}`),
          [`before:A@${transport}`, `before:B@${transport}`, `after:B@${transport}`, `after:A@${transport}`],
        );
      },
    );
  }

  test(
    'websocket-raw ({prefix}/websocket and a plain endpoint): interceptors run once, attributes reach onOpen',
    { timeout: 10_000 },
    async () => {
      const marker = randomUUID();
      const raw = resources.add(await WsClient.open(wsUrl(running().baseUrl, `/open/websocket?m=${marker}`)), (c) =>
        c.close(),
      );
      raw.socket.send('one');
      raw.socket.send('two');
      assert.equal(await raw.message(1), 'two');
      assert.deepEqual(
        calls.items.filter(marked(marker)).map((c) => `${c.step}@${c.transport}`),
        ['before:A@websocket-raw', 'before:B@websocket-raw', 'after:B@websocket-raw', 'after:A@websocket-raw'],
      );
      const session = await opened.waitFor(
        (o) => o.endpoint === '/open' && o.attributes.get('from-A') === 'websocket-raw',
        'onOpen',
      );
      assert.deepEqual(session.attributes.get('from-B'), { url: `/open/websocket?m=${marker}` });

      const plain = resources.add(await WsClient.open(wsUrl(running().baseUrl, `/plain?m=${marker}`)), (c) =>
        c.close(),
      );
      plain.socket.send('p');
      assert.equal(await plain.message(0), 'p');
      const plainOpen = await opened.waitFor((o) => o.endpoint === '/plain', 'onOpen on /plain');
      assert.equal(plainOpen.attributes.get('plain'), true);
      assert.equal(
        calls.items.filter((c) => c.endpoint === '/plain' && c.url.includes(marker) && c.step.startsWith('before'))
          .length,
        1,
      );
    },
  );
});

/** Opens a streaming response and waits for its first bytes (the session is open by then). */
async function openStream(port: number, method: string, path: string): Promise<void> {
  const stream = resources.add(await HttpStream.open(port, method, path), (s) => s.close());
  assert.equal(stream.status, 200, `${method} ${path}`);
  await stream.waitFor((text) => text.length > 0, `the first bytes of ${path}`);
}

describe('attributes set in beforeHandshake reach session.attributes in onOpen', () => {
  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(`sockjs-client over ${transport}`, { timeout: 15_000 }, async () => {
      const marker = randomUUID();
      const client = connectSockJs(`${running().baseUrl}/open?m=${marker}`, transport, resources);
      await client.opened;
      const open = await opened.waitFor(
        (o) =>
          o.endpoint === '/open' &&
          String((o.attributes.get('from-B') as { url?: string } | undefined)?.url).includes(marker),
        'onOpen with the attributes',
      );
      assert.equal(open.attributes.get('from-A'), transport);
      assert.equal(open.session.attributes.get('from-A'), transport, 'the live session map holds them');
      assert.equal(open.session.principal?.name, `user-of-${transport}`, 'the principal resolver saw the attributes');
      client.sock.close();
    });
  }
});

/** Every transport's first request, raw, so that exact statuses can be checked. */
async function firstRequests(
  port: number,
  prefix: string,
): Promise<Array<{ transport: string; status: number; body: string }>> {
  const id = (): string => `${prefix}/000/${randomUUID()}`;
  const results: Array<{ transport: string; status: number; body: string }> = [];
  const add = (transport: string, response: HttpResponse): void => {
    results.push({ transport, status: response.status, body: response.body });
  };
  add('xhr', await POST(port, `${id()}/xhr`));
  add('xhr_streaming', await POST(port, `${id()}/xhr_streaming`));
  add('eventsource', await GET(port, `${id()}/eventsource`));
  add('htmlfile', await GET(port, `${id()}/htmlfile?c=cb`));
  add('jsonp', await GET(port, `${id()}/jsonp?c=cb`));
  return results;
}

describe('vetoes', () => {
  test(
    'beforeHandshake returning false: 403 on every HTTP transport, no session is created',
    { timeout: 15_000 },
    async () => {
      const { port } = running();
      for (const result of await firstRequests(port, '/deny')) {
        assert.equal(result.status, 403, `${result.transport} answered ${result.status}`);
      }
      assert.equal(running().registry.endpoint('/deny').sessions.size, 0);
      assert.equal(
        opened.count((o) => o.endpoint === '/deny'),
        0,
      );
    },
  );

  test(
    'beforeHandshake returning false: websocket upgrades (SockJS and raw) are refused with 403',
    { timeout: 10_000 },
    async () => {
      const { baseUrl } = running();
      assert.equal((await wsRefusal(wsUrl(baseUrl, sockjsWsPath('/deny')))).status, 403);
      assert.equal((await wsRefusal(wsUrl(baseUrl, '/deny/websocket'))).status, 403);
    },
  );

  test(
    'beforeHandshake resolving {status: 401, body}: every HTTP transport answers 401 with that body',
    { timeout: 15_000 },
    async () => {
      for (const result of await firstRequests(running().port, '/auth')) {
        assert.equal(result.status, 401, `${result.transport} answered ${result.status}`);
        assert.equal(result.body, 'Log in first.', `${result.transport} body`);
      }
      assert.equal(running().registry.endpoint('/auth').sessions.size, 0);
    },
  );

  test(
    'beforeHandshake resolving {status: 401, body}: websocket upgrades get 401 and the body (ws unexpected-response)',
    { timeout: 10_000 },
    async () => {
      const { baseUrl } = running();
      assert.deepEqual(await wsRefusal(wsUrl(baseUrl, sockjsWsPath('/auth'))), { status: 401, body: 'Log in first.' });
      assert.deepEqual(await wsRefusal(wsUrl(baseUrl, '/auth/websocket')), { status: 401, body: 'Log in first.' });
    },
  );

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(
      `sockjs-client over ${transport} never opens on a refused endpoint (2000 "All transports failed")`,
      { timeout: 15_000 },
      async () => {
        for (const prefix of ['/deny', '/auth']) {
          const client = connectSockJs(running().baseUrl + prefix, transport, resources);
          const closed = await withTimeout(client.closed, `the close of a refused ${transport}`, 10_000);
          assert.equal(closed.code, 2000);
          assert.equal(client.messages.items.length, 0);
          await assert.rejects(client.opened);
        }
      },
    );
  }
});

describe('afterHandshake', () => {
  test(
    'runs in reverse order without an error when every interceptor let the handshake through',
    { timeout: 10_000 },
    async () => {
      const xhr = new XhrPollingSession(running().port, '/chain');
      await xhr.open();
      const mine = calls.items.filter(marked(xhr.id));
      assert.deepEqual(
        mine.map((c) => c.step),
        ['before:A', 'before:B', 'before:C', 'after:C', 'after:B', 'after:A'],
      );
      assert.ok(mine.every((c) => c.error === undefined));
    },
  );

  test(
    'a later refusal: only the interceptors that passed get afterHandshake, in reverse, with the error',
    { timeout: 10_000 },
    async () => {
      const id = `refuse-${randomUUID()}`;
      const response = await POST(running().port, `/chain/000/${id}/xhr`);
      assert.equal(response.status, 429);
      assert.equal(response.body, 'slow down');
      const mine = calls.items.filter(marked(id));
      assert.deepEqual(
        mine.map((c) => c.step),
        ['before:A', 'before:B', 'after:A'],
      );
      const error = mine[2]?.error;
      assert.ok(error instanceof SockJsError, 'afterHandshake(A) gets a SockJsError');
      assert.equal(error.code, 'ERR_HANDSHAKE_REFUSED');
      assert.match(error.message, /429/);
    },
  );

  test(
    'a later refusal of a websocket upgrade: afterHandshake(A) gets the error too',
    { timeout: 10_000 },
    async () => {
      const marker = `refuse-${randomUUID()}`;
      assert.deepEqual(await wsRefusal(wsUrl(running().baseUrl, `/chain/000/${marker}/websocket`)), {
        status: 429,
        body: 'slow down',
      });
      const mine = calls.items.filter(marked(marker));
      assert.deepEqual(
        mine.map((c) => `${c.step}@${c.transport}`),
        ['before:A@websocket', 'before:B@websocket', 'after:A@websocket'],
      );
      assert.ok(mine[2]?.error instanceof SockJsError);
    },
  );
});

describe('failing interceptors', () => {
  test(
    'a throwing beforeHandshake: 500 "Handshake failed", logged as an error, afterHandshake(A) gets the error',
    { timeout: 10_000 },
    async () => {
      const id = randomUUID();
      const response = await POST(running().port, `/boom/000/${id}/xhr`);
      assert.equal(response.status, 500);
      assert.equal(response.body, 'Handshake failed');
      const entry = await logger.waitFor(
        (e) => e.level === 'error' && String(e.obj['url']).includes(id),
        'the error log of the failed handshake',
      );
      const err = entry.obj['err'];
      assert.ok(err instanceof SockJsError);
      assert.equal(err.code, 'ERR_HANDSHAKE_FAILED');
      assert.match(err.message, /thrown in B/);
      assert.ok(err.cause instanceof Error && err.cause.message === 'thrown in B');
      const mine = calls.items.filter(marked(id));
      assert.deepEqual(
        mine.map((c) => c.step),
        ['before:A', 'before:B', 'after:A'],
      );
      assert.equal((mine[2]?.error as SockJsError | undefined)?.code, 'ERR_HANDSHAKE_FAILED');
      assert.equal(running().registry.endpoint('/boom').sessions.size, 0);
    },
  );

  test('a rejecting beforeHandshake: 500 and logged, on every HTTP transport', { timeout: 15_000 }, async () => {
    const { port } = running();
    const before = logger.entries.length;
    const id = (): string => `/boom/000/reject-${randomUUID()}`;
    const statuses = [
      (await POST(port, `${id()}/xhr`)).status,
      (await POST(port, `${id()}/xhr_streaming`)).status,
      (await GET(port, `${id()}/eventsource`)).status,
      (await GET(port, `${id()}/htmlfile?c=cb`)).status,
      (await GET(port, `${id()}/jsonp?c=cb`)).status,
    ];
    assert.deepEqual(statuses, [500, 500, 500, 500, 500]);
    const errors = logger.entries
      .slice(before)
      .filter((e) => e.level === 'error' && /rejected in B/.test(String((e.obj['err'] as Error | undefined)?.message)));
    assert.equal(errors.length, 5);
  });

  test('a throwing beforeHandshake on a websocket upgrade: 500, logged', { timeout: 10_000 }, async () => {
    const marker = randomUUID();
    const refusal = await wsRefusal(wsUrl(running().baseUrl, `/boom/000/${marker}/websocket`));
    assert.equal(refusal.status, 500);
    assert.equal(refusal.body, 'Handshake failed');
    await logger.waitFor((e) => e.level === 'error' && String(e.obj['url']).includes(marker), 'the error log');
  });
});
