/**
 * The pieces of the proxy scenarios on their own: config rendering (and `nginx -t` on every
 * rendered mode when nginx is installed), the TCP cutter, the sequence checks.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TcpCutter } from '../../demo/proxy/cutter';
import { findNginx, renderConfig, renderTemplate, userDirective, type NginxMode } from '../../demo/proxy/nginx';
import { messagesIn } from '../../demo/proxy/cut-response';
import { checkSequence, formatNumbers, numbered } from '../../demo/proxy/sequence';
import { ChangeBus, Stack } from '../../demo/proxy/wait';
import { directives } from '../support/config-text';

const MODES: NginxMode[] = ['no-upgrade', 'buffering', 'idle-cut', 'close-delimited', 'strip-prefix'];
const nginxBin = findNginx();

describe('nginx config templates', () => {
  test('placeholders are filled, and one without a value is an error', () => {
    assert.equal(
      renderTemplate('listen {{LISTEN_PORT}}; # {{LISTEN_PORT}}', { LISTEN_PORT: '8080' }),
      'listen 8080; # 8080',
    );
    assert.throws(() => renderTemplate('proxy_pass {{UPSTREAM}};', {}), /no value for \{\{UPSTREAM\}\}/);
  });

  test('`user root;` only when running as root', () => {
    assert.equal(userDirective(0), 'user root;');
    assert.doesNotMatch(directives(userDirective(1000)), /user/);
  });

  for (const mode of MODES) {
    test(`${mode}: ports filled in, nothing left over, files inside the prefix`, () => {
      const config = renderConfig(mode, { listenPort: 40001, upstreamPort: 40002, user: '' });
      const active = directives(config.main);
      assert.doesNotMatch(config.main + config.common, /\{\{|\}\}/);
      assert.match(active, /listen 127\.0\.0\.1:40001;/);
      assert.match(active, /proxy_pass http:\/\/127\.0\.0\.1:40002\/?;/);
      assert.match(active, /pid logs\/nginx\.pid;/);
      assert.match(active, /include common\.conf;/);
      // Relative paths only: pid, logs, temp files and includes stay in the temporary prefix.
      const paths = `${active}\n${directives(config.common)}`.split('\n').flatMap((line) => {
        const match = /^(pid|error_log|access_log|include|\w+_temp_path)\s+(\S+)/.exec(line);
        return match?.[2] === undefined ? [] : [match[2]];
      });
      assert.ok(paths.length >= 8, paths.join(' '));
      for (const path of paths) assert.doesNotMatch(path, /^\//, `${mode}: ${path}`);
    });
  }

  test('each mode is hostile in its own way', () => {
    const active = (mode: NginxMode): string =>
      directives(renderConfig(mode, { listenPort: 1, upstreamPort: 2, user: '' }).main);
    assert.doesNotMatch(active('no-upgrade'), /Upgrade/);
    assert.match(active('no-upgrade'), /proxy_buffering off;/);
    assert.match(active('buffering'), /proxy_buffering on;/);
    assert.match(active('buffering'), /proxy_http_version 1\.0;/);
    assert.match(active('idle-cut'), /proxy_read_timeout 2s;/);
    assert.match(active('idle-cut'), /keepalive_timeout\s+2s;/);
    assert.match(active('idle-cut'), /proxy_set_header Upgrade \$http_upgrade;/);
    assert.match(active('close-delimited'), /chunked_transfer_encoding off;/);
    assert.doesNotMatch(active('close-delimited'), /Upgrade/);
    // Not hostile, but under a prefix that nginx strips: /app/x reaches the server as /x.
    assert.match(active('strip-prefix'), /location \/app\/ \{\nproxy_pass http:\/\/127\.0\.0\.1:2\/;/);
    assert.match(active('strip-prefix'), /proxy_buffering off;/);
  });

  test('nginx -t accepts every rendered mode', { skip: nginxBin ? false : 'nginx not installed' }, () => {
    const bin = nginxBin ?? 'nginx';
    for (const mode of MODES) {
      const prefix = mkdtempSync(join(tmpdir(), `sockjs-proxy-t-${mode}-`));
      try {
        for (const dir of ['conf', 'logs', 'temp']) mkdirSync(join(prefix, dir));
        const config = renderConfig(mode, { listenPort: 40001, upstreamPort: 40002 });
        writeFileSync(join(prefix, 'conf', 'nginx.conf'), config.main);
        writeFileSync(join(prefix, 'conf', 'common.conf'), config.common);
        const check = spawnSync(
          bin,
          ['-t', '-p', `${prefix}/`, '-c', join(prefix, 'conf', 'nginx.conf'), '-e', 'stderr'],
          {
            encoding: 'utf8',
            timeout: 10_000,
          },
        );
        assert.equal(check.status, 0, `${mode}: ${check.stderr}`);
      } finally {
        rmSync(prefix, { recursive: true, force: true });
      }
    }
  });
});

describe('TCP cutter', () => {
  const stack = new Stack();
  after(() => stack.dispose());

  /**
   * An origin answering every request with a close-delimited 200 that streams until the
   * connection goes; `write(path, text)` sends more down one of them.
   */
  async function streamingOrigin(
    bus: ChangeBus,
  ): Promise<{ port: number; closed: string[]; write(path: string, text: string): void }> {
    const streams = new Map<string, Socket>();
    const closed: string[] = [];
    const server = createNetServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (chunk: Buffer) => {
        const path = /^[A-Z]+ (\S+) /.exec(chunk.toString('latin1'))?.[1] ?? '?';
        streams.set(path, socket);
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nstart ${path}\n`);
        socket.once('close', () => {
          closed.push(path);
          bus.changed();
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stack.use(server, 'origin', (s) => {
      for (const socket of streams.values()) socket.destroy();
      return new Promise<void>((resolve) => s.close(() => resolve()));
    });
    return {
      port: (server.address() as AddressInfo).port,
      closed,
      write: (path, text) => streams.get(path)?.write(text),
    };
  }

  /** A POST through the cutter; what the client saw of the response. */
  function post(port: number, path: string, bus: ChangeBus): { body: string; ended: boolean } {
    const seen = { body: '', ended: false };
    const req = request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        seen.body += text;
        bus.changed();
      });
      res.on('end', () => {
        seen.ended = true;
        bus.changed();
      });
    });
    req.on('error', () => undefined);
    req.end();
    return seen;
  }

  test('notes requests per connection and cuts both sides of a chosen one', async () => {
    const bus = new ChangeBus();
    const origin = await streamingOrigin(bus);
    const cutter = stack.use(await TcpCutter.start(origin.port, bus), 'cutter', (c) => c.close());
    const a = post(cutter.port, '/a/stream', bus);
    const b = post(cutter.port, '/b/stream', bus);
    const target = await bus.until(
      () => cutter.openWith('/b/stream').find((c) => c.current?.tail.includes('start')),
      'the /b stream',
      5000,
    );
    await bus.when(() => a.body !== '' && b.body !== '', 'both streams to start', 5000);
    assert.equal(target.current?.request, 'POST /b/stream');
    assert.match(target.current?.head ?? '', /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nstart \/b\/stream\n$/);
    target.cut();
    // A close-delimited body: to the client the cut is the end of the response.
    await bus.when(() => b.ended && origin.closed.includes('/b/stream'), 'both sides of /b to see the cut', 5000);
    assert.equal(target.wasCut, true);
    assert.equal(a.ended, false, 'the other connection is untouched');
    assert.equal(cutter.openWith('/a/stream').length, 1);
  });

  test('cutOnDown swallows the matching chunk and cuts', async () => {
    const bus = new ChangeBus();
    const origin = await streamingOrigin(bus);
    const cutter = stack.use(await TcpCutter.start(origin.port, bus), 'cutter', (c) => c.close());
    const x = post(cutter.port, '/x', bus);
    const connection = await bus.until(() => cutter.openWith('/x').find(() => x.body !== ''), 'the first line', 5000);
    connection.cutOnDown((text) => text.includes('lost'));
    origin.write('/x', 'kept\n');
    await bus.when(() => x.body.includes('kept'), 'a chunk that does not match to pass', 5000);
    origin.write('/x', 'lost\n');
    await bus.when(() => !connection.open && x.ended, 'the cut', 5000);
    assert.equal(connection.swallowed, 'lost\n');
    assert.equal(x.body, 'start /x\nkept\n');
  });
});

describe('sequence checks', () => {
  test('exactly once, in order', () => {
    assert.equal(checkSequence(['c1', 's1', numbered('c', 2, 3), 'c3'], 'c', 3).exactlyOnceInOrder, true);
  });

  test('missing, twice, out of order', () => {
    const check = checkSequence(['c1', 'c3', 'c3', 'c2', 'c5'], 'c', 6);
    assert.deepEqual(check.missing, [4, 6]);
    assert.deepEqual(check.duplicates, [3]);
    assert.equal(check.outOfOrder, 1);
    assert.equal(check.exactlyOnceInOrder, false);
    assert.equal(formatNumbers([1, 2, 3, 7, 9, 10]), '1-3, 7, 9-10');
  });

  test('messages in a swallowed chunk: whole a[...] frames only', () => {
    assert.deepEqual(messagesIn('h\na["p1","p2"]\na["p3"'), ['p1', 'p2']);
  });
});
