/**
 * Modes 1 and 2 of the proxy scenarios: sockjs-client (Node, no `transports` restriction)
 * through a real nginx that does not pass `Upgrade`, then through one that buffers responses.
 * Each ends on the transport the proxy leaves it, and messages flow.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { findNginx } from '../../demo/proxy/nginx';
import { bufferingScenario, noUpgradeScenario } from '../../demo/proxy/fallback';
import { ChangeBus, Stack } from '../../demo/proxy/wait';

const nginxBin = findNginx();
const skip = nginxBin
  ? false
  : 'nginx not installed at /usr/sbin/nginx (set NGINX=...; CI installs nginx-light): proxy scenarios skipped';

describe('behind nginx without Upgrade', { skip }, () => {
  const stack = new Stack();
  after(() => stack.dispose());

  test(
    'websocket is answered 400, the client falls back to xhr-streaming, messages flow',
    { timeout: 60_000 },
    async () => {
      const result = await noUpgradeScenario({ bus: new ChangeBus(), stack, ...(nginxBin ? { nginxBin } : {}) });
      assert.equal(result.transports, undefined, 'sockjs-client chooses by itself');
      assert.deepEqual(
        result.attempts.map((a) => [a.transport, a.status]),
        [
          ['websocket', 400],
          ['xhr_streaming', 200],
        ],
      );
      assert.equal(result.endedOn, 'xhr-streaming');
      assert.ok(result.echoes.exactlyOnceInOrder, JSON.stringify(result.echoes));
      assert.deepEqual(result.serverSessions, [{ transport: 'xhr-streaming', closed: undefined }]);
    },
  );
});

describe('behind nginx buffering responses', { skip }, () => {
  const stack = new Stack();
  after(() => stack.dispose());

  test(
    'streaming transports never open, the client ends on xhr-polling, messages flow',
    { timeout: 60_000 },
    async () => {
      const result = await bufferingScenario({ bus: new ChangeBus(), stack, ...(nginxBin ? { nginxBin } : {}) });
      assert.equal(result.transports, undefined, 'sockjs-client chooses by itself');
      assert.equal(result.endedOn, 'xhr-polling');
      assert.ok(result.echoes.exactlyOnceInOrder, JSON.stringify(result.echoes));
      // Node's order: websocket, xhr-streaming, eventsource, xhr-polling. eventsource may not get as
      // far as the server: sockjs-client 1.6.1 leaves the timer of a transport that failed early
      // (websocket, at once) running, and the leftover timer of xhr-streaming ends eventsource a few
      // ms after it started.
      const tried = [...new Set(result.attempts.map((a) => a.transport))];
      assert.deepEqual(
        tried.filter((t) => t !== 'eventsource'),
        ['websocket', 'xhr_streaming', 'xhr'],
      );
      // The streams opened on the server and were abandoned by the client: nginx had passed none
      // of their body on (its access log), so the client saw no `o` frame.
      for (const attempt of result.attempts.filter(
        (a) => a.transport === 'xhr_streaming' || a.transport === 'eventsource',
      )) {
        assert.equal(attempt.status, 200);
        assert.equal(attempt.dropped, true, `${attempt.transport} abandoned by the client`);
      }
      assert.ok(result.bodyBytesToClient.length >= 1, JSON.stringify(result.bodyBytesToClient));
      for (const entry of result.bodyBytesToClient)
        assert.equal(entry.bytes, 0, `${entry.transport}: ${entry.bytes} body bytes reached the client`);
      const last = result.serverSessions[result.serverSessions.length - 1];
      assert.deepEqual(last, { transport: 'xhr-polling', closed: undefined });
      for (const abandoned of result.serverSessions.slice(0, -1)) assert.equal(abandoned.closed?.code, 1002);
    },
  );
});
