/**
 * The sticky primary's routing, without processes: the request line read from a connection's first
 * bytes (bounded), the server id of a path (checked against nginx's map in sticky.conf, the rule
 * it follows), rendezvous hashing (spread, and only a dead worker's ids move), refused options,
 * and the head reader's answers to bad input on real sockets.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readHead, refuse, type HeadOutcome } from '../../server/cluster/sticky-head';
import { resolveStickyPrimaryOptions } from '../../server/cluster/sticky-primary';
import { hash32, parseRequestLine, pickWorker, readRequestLine, serverIdOf } from '../../server/cluster/sticky-route';
import { acceptStickyConnections } from '../../server/cluster';
import { createServer as createHttpServer } from 'node:http';
import { withTimeout } from '../support/wait';

describe('readRequestLine', () => {
  const read = (text: string, max = 64): ReturnType<typeof readRequestLine> =>
    readRequestLine(Buffer.from(text, 'latin1'), max);

  test('a line ends at LF, with or without CR; empty lines before it are skipped', () => {
    assert.deepEqual(read('GET / HTTP/1.1\r\nHost: x\r\n'), { state: 'complete', line: 'GET / HTTP/1.1' });
    assert.deepEqual(read('GET / HTTP/1.1\nHost'), { state: 'complete', line: 'GET / HTTP/1.1' });
    assert.deepEqual(read('\r\n\r\nGET / HTTP/1.1\r\n'), { state: 'complete', line: 'GET / HTTP/1.1' });
  });

  test('incomplete until the LF comes, too long past the limit', () => {
    assert.deepEqual(read('GET /echo/123/abc/x'), { state: 'incomplete' });
    assert.deepEqual(read(''), { state: 'incomplete' });
    assert.deepEqual(read('x'.repeat(64)), { state: 'incomplete' });
    assert.deepEqual(read('x'.repeat(65)), { state: 'too-long' });
    assert.deepEqual(read(`GET /${'x'.repeat(80)} HTTP/1.1\r\n`), { state: 'too-long' });
    assert.deepEqual(read('\r\n'.repeat(40)), { state: 'too-long' }, 'endless empty lines count');
    assert.deepEqual(read(`${'x'.repeat(63)}\n`), { state: 'complete', line: 'x'.repeat(63) });
  });
});

describe('parseRequestLine', () => {
  test('method, target, version', () => {
    assert.deepEqual(parseRequestLine('POST /echo/1/a/xhr_send?t=1 HTTP/1.1'), {
      method: 'POST',
      target: '/echo/1/a/xhr_send?t=1',
    });
    assert.deepEqual(parseRequestLine('OPTIONS * HTTP/1.0'), { method: 'OPTIONS', target: '*' });
  });

  test('malformed lines are refused', () => {
    for (const line of [
      '',
      'GARBAGE',
      'GET /',
      'GET / HTTP/1',
      'GET  / HTTP/1.1',
      'GET /a b HTTP/1.1',
      'GET /\x00 HTTP/1.1',
      'G(T / HTTP/1.1',
      'GET / HTTP/1.1 ',
      '\x16\x03\x01\x02\x00\x01',
    ]) {
      assert.equal(parseRequestLine(line), undefined, JSON.stringify(line));
    }
  });
});

/** nginx's map regex in demo/proxy/nginx/sticky.conf, as a JavaScript RegExp (PCRE, same syntax here). */
function nginxMap(): RegExp {
  const conf = readFileSync(join(__dirname, '..', '..', '..', 'demo', 'proxy', 'nginx', 'sticky.conf'), 'utf8');
  const found = /map \$uri \$sockjs_server \{\s*~(\S+) \$1;/.exec(conf);
  assert.ok(found?.[1], 'the map in sticky.conf');
  return new RegExp(found[1]);
}

describe('serverIdOf', () => {
  const cases: Array<[string, string | undefined]> = [
    ['/echo/123/abc/xhr', '123'],
    ['/echo/123/abc/xhr_send', '123'],
    ['/echo/123/abc/xhr_streaming/', '123'],
    ['/echo/007/abc/websocket', '007'],
    ['/echo/9/abc/eventsource', '9'],
    ['/echo/9/abc/htmlfile', '9'],
    ['/echo/9/abc/jsonp', '9'],
    ['/echo/9/abc/jsonp_send', '9'],
    ['/api/ws/5/s/xhr', '5'],
    ['/5/s/xhr', '5'],
    ['/echo/info', undefined],
    ['/echo/iframe.html', undefined],
    ['/echo/websocket', undefined],
    ['/echo', undefined],
    ['/', undefined],
    ['/echo/1.2/abc/xhr', undefined],
    ['/echo/12/a.b/xhr', undefined],
    ['/echo/12/abc/xhrx', undefined],
    ['/echo/12/abc/unknown', undefined],
    ['/echo//abc/xhr', undefined],
    ['echo/12/abc/xhr', undefined],
  ];

  test('the segment two before a session transport, the same as nginx map', () => {
    const map = nginxMap();
    for (const [path, id] of cases) {
      assert.equal(serverIdOf(path), id, path);
      assert.equal(map.exec(path)?.[1], id, `nginx: ${path}`);
    }
  });

  test('the path without its query, percent-decoded; absolute-form by its path; others round robin', () => {
    assert.equal(serverIdOf('/echo/123/abc/jsonp?c=x%2F/1/2/xhr'), '123');
    assert.equal(serverIdOf('/echo/123/abc/xhr#frag'), '123');
    assert.equal(serverIdOf('/echo/%31%32/abc/xhr'), '12');
    assert.equal(serverIdOf('http://example.com:80/echo/44/abc/xhr'), '44');
    assert.equal(serverIdOf('/echo/%E0%A4%A/abc/xhr'), '%E0%A4%A', 'bad encoding: matched as it came');
    assert.equal(serverIdOf('*'), undefined);
    assert.equal(serverIdOf('example.com:443'), undefined, 'CONNECT authority-form');
  });
});

describe('rendezvous hashing', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
  const three = ['w0', 'w1', 'w2'];

  test('stable, and spread over the workers', () => {
    assert.equal(hash32('abc'), hash32('abc'));
    assert.notEqual(hash32('w0\n123'), hash32('w0\n124'));
    const counts = new Map<string, number>();
    for (const id of ids) {
      const worker = pickWorker(id, three);
      assert.equal(worker, pickWorker(id, [...three].reverse()), 'order of the list does not matter');
      counts.set(worker ?? '', (counts.get(worker ?? '') ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), three);
    for (const [worker, count] of counts) assert.ok(count > 250 && count < 420, `${worker}: ${count} of 1000`);
  });

  test('a worker gone moves only its own ids, spread over the others; back, it takes them back', () => {
    const moved = new Map<string, number>();
    for (const id of ids) {
      const before = pickWorker(id, three);
      const after = pickWorker(id, ['w0', 'w2']);
      if (before !== 'w1') assert.equal(after, before, `${id} stays on ${String(before)}`);
      else moved.set(after ?? '', (moved.get(after ?? '') ?? 0) + 1);
    }
    assert.ok((moved.get('w0') ?? 0) > 100 && (moved.get('w2') ?? 0) > 100, JSON.stringify([...moved]));
  });

  test('no live worker: none', () => {
    assert.equal(pickWorker('123', []), undefined);
    assert.equal(pickWorker('123', ['w5']), 'w5');
  });
});

describe('sticky options', () => {
  const refused = (options: object, pattern: RegExp): void => {
    assert.throws(
      () => resolveStickyPrimaryOptions(options as { port: number }),
      (error: Error & { code?: string }) => error.code === 'ERR_INVALID_OPTION' && pattern.test(error.message),
    );
  };

  test('defaults', () => {
    const resolved = resolveStickyPrimaryOptions({ port: 0 });
    assert.equal(resolved.maxRequestLineBytes, 8192);
    assert.equal(resolved.requestLineTimeout, 10_000);
    assert.equal(resolved.respawn, true);
    assert.ok(resolved.workers >= 1);
  });

  test('bad options are refused, naming the option', () => {
    refused({}, /port must be an integer/);
    refused({ port: 70_000 }, /port/);
    refused({ port: 0, workers: 0 }, /workers/);
    refused({ port: 0, workers: 1.5 }, /workers/);
    refused({ port: 0, respawn: 'yes' }, /respawn must be a boolean/);
    refused({ port: 0, maxRequestLineBytes: 10 }, /maxRequestLineBytes/);
    refused({ port: 0, requestLineTimeout: 0 }, /requestLineTimeout/);
    refused({ port: 0, host: '' }, /host/);
    refused({ port: 0, env: {} }, /env must be a function/);
    refused({ port: 0, worker: 3 }, /unknown option "worker" \(did you mean "workers"\?\)/);
  });

  test('acceptStickyConnections outside a sticky worker: ERR_CLUSTER_ROLE', () => {
    assert.throws(
      () => acceptStickyConnections(createHttpServer()),
      (error: Error & { code?: string }) =>
        error.code === 'ERR_CLUSTER_ROLE' && /startStickyPrimary/.test(error.message),
    );
  });
});

describe('readHead on real sockets', () => {
  const outcomes: HeadOutcome[] = [];
  let server: Server;
  let port = 0;
  const limits = { maxRequestLineBytes: 64, requestLineTimeout: 300 };

  const listening = new Promise<void>((resolve) => {
    server = createServer({ pauseOnConnect: true, highWaterMark: 0 }, (socket) => {
      readHead(socket, limits, (outcome) => {
        outcomes.push(outcome);
        if (outcome.kind === 'refused') refuse(socket, outcome.status);
        else socket.destroy();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolve();
    });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends `chunks` (one write each), resolves with all the server answered before closing. */
  async function exchange(chunks: string[]): Promise<string> {
    await listening;
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
    socket.on('error', () => undefined);
    for (const chunk of chunks) socket.write(chunk);
    await withTimeout(new Promise((resolve) => socket.once('close', resolve)), 'the server to close', 3000);
    return answer;
  }

  test('a request line in pieces is routed by its server id, with every byte read so far', async () => {
    const from = outcomes.length;
    await exchange(['POST /echo/4', '2/abc/xhr_send HTTP/1.1\r\nHost: x\r\n']);
    const outcome = outcomes[from];
    assert.equal(outcome?.kind, 'routed');
    if (outcome?.kind !== 'routed') return;
    assert.equal(outcome.serverId, '42');
    assert.match(outcome.head.toString(), /^POST \/echo\/42\/abc\/xhr_send HTTP\/1\.1\r\n/);
  });

  test('garbage: 400; too long without a line: 414; nothing in time: 408', async () => {
    assert.match(await exchange(['GARBAGE\r\n\r\n']), /^HTTP\/1\.1 400 Bad Request\r\n[^]*Connection: close/);
    assert.match(await exchange(['x'.repeat(100)]), /^HTTP\/1\.1 414 URI Too Long\r\n/);
    const started = Date.now();
    assert.match(await exchange(['GET /ech']), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(Date.now() - started >= 250, 'not before the timeout');
  });

  test('a refused request with a body still coming gets its answer and an orderly close, not a reset', async () => {
    await listening;
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let failure: string | undefined;
    socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => (failure = error.code ?? error.message));
    socket.write('GARBAGE\r\n\r\n');
    // The body goes on after the refusal was written: the server must read it rather than reset.
    socket.write('x'.repeat(512 * 1024), () => socket.end());
    await withTimeout(new Promise((resolve) => socket.once('close', resolve)), 'the server to close', 5000);
    assert.equal(failure, undefined, 'no ECONNRESET');
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
  });
});
