/**
 * The prom-client integration (server/metrics): after real traffic (sockjs-client over websocket
 * and xhr-polling, a refused origin), `registry.metrics()` holds the series with the endpoints'
 * counts; bad options throw ERR_INVALID_OPTION; the main entry loads without prom-client.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { createEndpoint, type SockJsHandler } from '../../server';
import { registerMetrics, type MetricsOptions } from '../../server/metrics';
import { RecordingLogger } from '../support/logger';
import { GET } from '../support/raw-http';
import { connectSockJs } from '../support/sockjs-client';
import { useStarted } from '../support/resources';
import { serveEndpoints } from '../support/servers';
import { until, withTimeout } from '../support/wait';

const handler: SockJsHandler = {
  onMessage(session, message) {
    if (message === 'bye') session.close(4000, 'bye');
    else session.send(message);
  },
};

/** The value of one series of the exposition text, by its name and exact label set. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('registerMetrics', () => {
  const registry = new Registry();
  const { running, resources } = useStarted(async (r) => {
    const server = r.add(
      await serveEndpoints([
        { prefix: '/echo', handler, logger: new RecordingLogger() },
        { prefix: '/other', handler, logger: new RecordingLogger() },
      ]),
      (s) => s.close(),
    );
    registerMetrics(server.endpoints, { registry, labels: { service: 'test' } });
    return server;
  });

  test('series and values after real traffic', async () => {
    const [echo] = running().endpoints;
    assert.ok(echo);
    const ws = connectSockJs(`${running().baseUrl}/echo`, 'websocket', resources);
    const polling = connectSockJs(`${running().baseUrl}/echo`, 'xhr-polling', resources);
    await Promise.all([ws.opened, polling.opened]);
    ws.sock.send('abc');
    polling.sock.send('héllo');
    await Promise.all([ws.message(0), polling.message(0)]);
    let text = await registry.metrics();
    const e = 'endpoint="/echo"';
    assert.equal(sample(text, `sockjs_sessions_open{${e},transport="websocket",service="test"}`), 1);
    assert.equal(sample(text, `sockjs_sessions_open{${e},transport="xhr-polling",service="test"}`), 1);
    assert.equal(sample(text, `sockjs_sessions_open{${e},transport="xhr-streaming",service="test"}`), 0);
    assert.equal(sample(text, `sockjs_sessions_open{endpoint="/other",transport="websocket",service="test"}`), 0);
    assert.equal(sample(text, `sockjs_messages_received_total{${e},transport="websocket",service="test"}`), 1);
    assert.equal(sample(text, `sockjs_received_bytes_total{${e},transport="xhr-polling",service="test"}`), 6);
    assert.equal(sample(text, `sockjs_messages_sent_total{${e},transport="xhr-polling",service="test"}`), 1);
    assert.equal(sample(text, `sockjs_sent_bytes_total{${e},transport="websocket",service="test"}`), 3);
    assert.match(text, /# TYPE sockjs_sessions_open gauge/);
    assert.match(text, /# TYPE sockjs_sessions_opened_total counter/);

    ws.sock.send('bye');
    polling.sock.send('bye');
    await Promise.all([withTimeout(ws.closed, 'ws close'), withTimeout(polling.closed, 'polling close')]);
    assert.equal((await GET(running().port, '/echo/info', { headers: { Origin: 'http://evil.example' } })).status, 403);
    await until(() => echo.stats().sessions.closed === 2, 'both sessions closed');
    text = await registry.metrics();
    assert.equal(sample(text, `sockjs_sessions_opened_total{${e},transport="websocket",service="test"}`), 1);
    assert.equal(sample(text, `sockjs_sessions_open{${e},transport="websocket",service="test"}`), 0);
    assert.equal(sample(text, `sockjs_sessions_closed_total{${e},code="4000",service="test"}`), 2);
    assert.equal(sample(text, `sockjs_refused_total{${e},reason="origin",service="test"}`), 1);
    assert.equal(sample(text, `sockjs_refused_total{${e},reason="maxSessions",service="test"}`), 0);
    assert.equal(sample(text, `sockjs_queue_overflows_total{${e},service="test"}`), 0);
    assert.equal(sample(text, `sockjs_pong_timeouts_total{${e},service="test"}`), 0);
    assert.equal(sample(text, `sockjs_dropped_responses_total{${e},outcome="interrupted",service="test"}`), 0);
    assert.equal(sample(text, `sockjs_resumes_total{${e},service="test"}`), 0);
  });

  test('the returned function removes the metrics', () => {
    const own = new Registry();
    const remove = registerMetrics(createEndpoint({ prefix: '/x', handler: {} }), { registry: own, prefix: 'x_' });
    assert.ok(own.getSingleMetric('x_sessions_open'));
    remove();
    assert.equal(own.getMetricsAsArray().length, 0);
  });
});

describe('registerMetrics options', () => {
  const endpoint = createEndpoint({ prefix: '/v', handler: {} });
  const bad: Array<[string, unknown]> = [
    ['an unknown key', { registry: new Registry(), colour: 1 }],
    ['no registry', {}],
    ['a bad prefix', { registry: new Registry(), prefix: '1x' }],
    ['a label of its own', { registry: new Registry(), labels: { transport: 'x' } }],
    ['a non-string label', { registry: new Registry(), labels: { service: 1 } }],
  ];
  for (const [what, options] of bad) {
    test(`refuses ${what}`, () => {
      assert.throws(
        () => registerMetrics(endpoint, options as MetricsOptions),
        (error: Error & { code?: string }) => error.code === 'ERR_INVALID_OPTION',
      );
    });
  }

  test('refuses two endpoints with one prefix', () => {
    const twin = createEndpoint({ prefix: '/v', handler: {} });
    assert.throws(
      () => registerMetrics([endpoint, twin], { registry: new Registry() }),
      (error: Error & { code?: string }) => error.code === 'ERR_INVALID_OPTION' && /\/v/.test(error.message),
    );
  });
});

test('the main entry loads without prom-client', () => {
  const entry = join(__dirname, '../../server/index.js');
  const script = `require(${JSON.stringify(entry)}); process.stdout.write(String(Object.keys(require.cache).some((k) => k.includes('prom-client'))))`;
  assert.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }), 'false');
});
