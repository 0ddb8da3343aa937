/**
 * A response the server has ended while its last frame was still in Node's buffer (a client or
 * proxy not reading, a frame larger than the socket buffers) and whose connection then drops has
 * lost that frame — detectable, since the bytes never left the process. `HttpReceiver.end()`
 * watches for it (the socket is gone when the response finishes; Node 20 still emits 'finish'),
 * so `onDroppedResponse: 'interrupt'` interrupts: 1002 "Connection interrupted" at the drop.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, test } from 'node:test';
import { startScenarioServer } from '../../demo/proxy/server';
import { ChangeBus, Stack } from '../../demo/proxy/wait';

describe('a response ended with data still buffered, then dropped', () => {
  const stack = new Stack();
  after(() => stack.dispose());

  test("'interrupt' closes the session with 1002", { timeout: 20_000 }, async () => {
    const bus = new ChangeBus();
    const prefix = '/interrupt';
    const server = stack.use(
      await startScenarioServer(bus, [
        // 32 MiB in one frame: more than loopback socket buffers hold, so most of it waits in Node.
        {
          prefix,
          options: {
            onDroppedResponse: 'interrupt',
            responseLimit: 4096,
            disconnectDelay: 3000,
            maxQueuedBytes: 64 * 1024 * 1024,
          },
        },
      ]),
      'server',
      (s) => s.close(),
    );
    const socket = stack.use(connect(server.port, '127.0.0.1'), 'client socket', (s) => {
      s.destroy();
    });
    socket.on('error', () => undefined);
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      bus.changed();
    });
    socket.write(
      'POST /interrupt/000/unflushed/xhr_streaming HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n',
    );
    const record = await bus.until(() => server.recorder(prefix).sessions[0], 'the session to open', 5000);
    // Prelude and `o`, then the client stops reading.
    await bus.when(() => received > 2049, 'the prelude and the open frame', 5000);
    socket.pause();
    // The frame crosses responseLimit: the server ends the response, Node still holding most of it.
    server.recorder(prefix).push(record, 'x'.repeat(32 * 1024 * 1024));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(record.session.bufferedAmount, 0, 'the frame went to the response');
    socket.destroy();
    await bus.when(() => record.closed !== undefined, 'the session to close', 10_000);
    assert.deepEqual(record.closed, { code: 1002, reason: 'Connection interrupted' });
  });
});
