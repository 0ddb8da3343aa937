/** The bin, `sockjs-ts-server`: flags, exit codes, and what it serves, spawned on port 0 and used with sockjs-client. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { Resources } from '../support/resources';
import { connectSockJs } from '../support/sockjs-client';
import { StompjsSession } from '../support/stomp';
import { withTimeout } from '../support/wait';

const CLI = join(__dirname, '..', '..', 'cli', 'main.js');
const resources = new Resources();
after(() => resources.closeAll());

type Child = ChildProcessByStdio<null, Readable, Readable>;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: Child; exit: Promise<Exit> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<Exit>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, exit };
}

function runToExit(args: string[]): Promise<Exit> {
  return withTimeout(start(args).exit, `sockjs-ts-server ${args.join(' ')} to exit`);
}

/** Starts the CLI on port 0; resolves with the base URL it prints (with its trailing slash). */
async function serve(args: string[]): Promise<string> {
  const { child, exit } = start(['--port', '0', ...args]);
  resources.add(child, async (c) => {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await exit;
  });
  const listening = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /^listening on (http:\/\/\S+\/)/m.exec(out);
      if (found?.[1]) resolve(found[1]);
    });
    void exit.then((e) => reject(new Error(`exited ${String(e.code)} before listening: ${e.stderr}`)));
  });
  return withTimeout(listening, 'the CLI to listen');
}

describe('command line', () => {
  test('--help prints the usage and exits 0', { timeout: 10_000 }, async () => {
    const { code, stdout } = await runToExit(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: sockjs-ts-server /);
    assert.match(stdout, /--services/);
  });

  for (const [args, message] of [
    [['--prot', '80'], /Unknown option '--prot'/],
    [['--port', 'eighty'], /--port must be an integer from 0 to 65535, not "eighty"/],
    [['--port', '70000'], /--port must be an integer/],
    [['--prefix', 'echo'], /--prefix must be a path like \/echo/],
    [['--services', '--prefix', '/x'], /--prefix cannot be used with --services/],
    [['extra'], /Unexpected argument 'extra'/],
  ] as const) {
    test(`${args.join(' ')}: a clear error, the usage, exit code 2`, { timeout: 10_000 }, async () => {
      const { code, stdout, stderr } = await runToExit([...args]);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.match(stderr, message);
      assert.match(stderr, /Usage: sockjs-ts-server/);
    });
  }
});

describe('serving', () => {
  test('by default an echo endpoint at --prefix, on the port it prints', { timeout: 20_000 }, async () => {
    const base = await serve(['--host', '127.0.0.1', '--prefix', '/my/echo']);
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const client = connectSockJs(`${base}my/echo`, 'xhr-streaming', resources);
    await client.opened;
    client.sock.send('hello');
    assert.equal(await client.message(0), 'hello');
    assert.equal((await fetch(base)).status, 404, 'no demo page without --services');
  });

  test('--services: the test services and the demo page', { timeout: 20_000 }, async () => {
    const base = await serve(['--services']);
    const page = await fetch(base);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>SockJS echo demo<\/title>/);
    const echo = connectSockJs(`${base}echo`, 'websocket', resources);
    await echo.opened;
    echo.sock.send('hi');
    assert.equal(await echo.message(0), 'hi');
    const closing = connectSockJs(`${base}close`, 'xhr-polling', resources);
    assert.deepEqual(await withTimeout(closing.closed, '/close to close'), {
      code: 3000,
      reason: 'Go away!',
      wasClean: true,
    });
  });

  test('--services: STOMP at /stomp and /stomp-ws, POST /publish', { timeout: 20_000 }, async () => {
    const base = await serve(['--services']);
    const urls = { wsUrl: `${base.replace('http', 'ws')}stomp-ws`, sockjsUrl: `${base}stomp` };
    const alice = await StompjsSession.connect(urls, 'ws', resources, {
      connectHeaders: { login: 'alice', passcode: 'alice' },
    });
    assert.equal(alice.connectedFrame?.headers['user-name'], 'alice');
    const anonymous = await StompjsSession.connect(urls, 'xhr-polling', resources);
    await anonymous.subscribed('/topic/news');
    const published = await fetch(`${base}publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destination: '/topic/news', payload: 'extra!' }),
    });
    assert.deepEqual(await published.json(), { reached: 1 });
    assert.equal((await anonymous.messages.waitFor(() => true, 'the published message')).body, 'extra!');
    const refused = await fetch(`${base}publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(refused.status, 400);
  });

  test('SIGTERM closes the sessions and exits 0', { timeout: 20_000 }, async () => {
    const { child, exit } = start(['--port', '0']);
    const base = await withTimeout(
      new Promise<string>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          const found = /listening on (http:\/\/\S+\/)/.exec(chunk.toString());
          if (found?.[1]) resolve(found[1]);
        }),
      ),
      'the CLI to listen',
    );
    const client = connectSockJs(`${base}echo`, 'websocket', resources);
    await client.opened;
    child.kill('SIGTERM');
    assert.equal((await withTimeout(client.closed, 'the session to close')).code, 1001);
    assert.equal((await withTimeout(exit, 'the CLI to exit')).code, 0);
  });
});
