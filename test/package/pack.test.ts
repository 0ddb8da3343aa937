/**
 * What npm installs: `npm pack` of a copy of the tree (its `prepare` builds it), the tarball's files and
 * size, then scratch apps that use the installed package the ways users do — CommonJS, ESM, TypeScript
 * NodeNext and bundler resolution, Express 4 and 5, the CLI — and the README's code blocks compiled
 * against it. Offline: the package's dependencies are linked from this repo's node_modules.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { readmeBlocks, sourceOf } from './readme-blocks';
import { openSockJs } from '../../client';
import { withTimeout } from '../support/wait';

const run = promisify(execFile);
const repo = join(__dirname, '..', '..', '..');
const modules = join(repo, 'node_modules');
const tsc = join(modules, 'typescript', 'bin', 'tsc');

/** Packed size bound. Measured 187 KB at 0.2.0, 328 KB with the STOMP server, 410 KB with the cluster bus and the broker relay, 466 KB with cluster queues and node:cluster, 517 KB with our own client and its browser build (JS, declarations, their maps and the TypeScript they point to). */
const MAX_PACKED_BYTES = 560 * 1024;
const LAYERS = ['protocol', 'transports', 'server', 'client', 'cli'];

let scratch: string;
let tarball: string;
let files: string[];
/** Where the package is installed: scratch/node_modules/sockjs-ts-server. */
let installed: string;

function link(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(from, to, 'dir');
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'sockjs-pack-'));
  // A copy of the tree as a clone would have it: no build output, no installed modules (linked instead).
  const tree = join(scratch, 'tree');
  const skip = new Set(['node_modules', 'dist', '.git', 'test-artifacts', '.smoke']);
  cpSync(repo, tree, {
    recursive: true,
    filter: (source) => {
      const name = relative(repo, source).split('/')[0] ?? '';
      return !skip.has(name) && !name.startsWith('.build-');
    },
  });
  symlinkSync(modules, join(tree, 'node_modules'), 'dir');
  const { stdout } = await run('npm', ['pack', '--offline', '--silent', '--pack-destination', scratch], {
    cwd: tree,
    timeout: 60_000,
  });
  tarball = join(scratch, stdout.trim().split('\n').at(-1) ?? '');
  files = (await run('tar', ['-tzf', tarball])).stdout.trim().split('\n').sort();

  // One install shared by every app: the tarball unpacked, its dependencies linked from this repo.
  installed = join(scratch, 'node_modules', 'sockjs-ts-server');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
  };
  for (const name of Object.keys(manifest.dependencies)) {
    link(join(modules, name), join(scratch, 'node_modules', name));
  }
  // Optional peers as a user installs them (prom-client for the metrics entry); Express per app below.
  for (const name of Object.keys(manifest.peerDependencies).filter((peer) => peer !== 'express')) {
    link(join(modules, name), join(scratch, 'node_modules', name));
  }
  link(join(modules, '@types'), join(scratch, 'node_modules', '@types'));
  // Express 4 for one app folder, Express 5 for the other (npm's alias express4 in the repo).
  link(join(modules, 'express4'), join(scratch, 'e4', 'node_modules', 'express'));
  link(join(modules, 'express'), join(scratch, 'e5', 'node_modules', 'express'));
  writeFileSync(join(scratch, 'e5', 'package.json'), '{ "type": "module" }\n');
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Runs `node file` in the scratch tree; resolves with its stdout once it exits 0. */
async function runApp(file: string, args: string[] = []): Promise<string> {
  const { stdout } = await run(process.execPath, [file, ...args], { cwd: dirname(file), timeout: 20_000 });
  return stdout;
}

async function compile(project: string): Promise<void> {
  try {
    await run(process.execPath, [tsc, '-p', project], { timeout: 60_000 });
  } catch (error) {
    const { stdout = '' } = error as { stdout?: string };
    assert.fail(`tsc -p ${relative(scratch, project)} failed:\n${stdout}`);
  }
}

function tsconfig(dir: string, compilerOptions: Record<string, unknown>, include: string[]): string {
  const file = join(dir, 'tsconfig.json');
  const options = { strict: true, exactOptionalPropertyTypes: true, types: ['node'], target: 'ES2022' };
  writeFileSync(file, JSON.stringify({ compilerOptions: { ...options, ...compilerOptions }, include }, null, 2));
  return file;
}

describe('npm pack', () => {
  test('ships only the built layers, their sources, README, LICENSE, CHANGELOG and package.json', () => {
    const allowed = new RegExp(
      `^package/(((dist/)?(${LAYERS.join('|')})/.*)|README\\.md|LICENSE|CHANGELOG\\.md|package\\.json)$`,
    );
    assert.deepEqual(
      files.filter((file) => !allowed.test(file)),
      [],
    );
    for (const unwanted of [/\/test\//, /bench\//, /\.png$/, /\.ci\//, /demo\//, /\.tsbuildinfo/]) {
      assert.deepEqual(
        files.filter((file) => unwanted.test(file)),
        [],
        String(unwanted),
      );
    }
    for (const needed of [
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'dist/cli/main.js',
      'dist/server/index.js',
      'dist/server/index.d.ts',
      'dist/server/index.d.ts.map',
      'dist/server/index.mjs',
      'dist/server/index.d.mts',
      'dist/server/spring.mjs',
      'dist/client/index.mjs',
      'dist/server/stomp/index.mjs',
      'server/index.ts',
    ]) {
      assert.ok(files.includes(`package/${needed}`), `${needed} is missing`);
    }
  });

  test(`is smaller than ${MAX_PACKED_BYTES / 1024} KB packed`, () => {
    const size = statSync(tarball).size;
    assert.ok(size < MAX_PACKED_BYTES, `${size} bytes`);
  });

  test('every exports entry that is built resolves, for import and require', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, Record<string, string>>>;
    };
    const built: string[] = [];
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') continue;
      const cjs = target.require?.default ?? '';
      if (!files.includes(join('package', cjs))) continue; // an entry another branch builds
      built.push(entry);
      for (const path of [target.require?.types, target.import?.default, target.import?.types]) {
        assert.ok(path && files.includes(join('package', path)), `${entry}: ${path ?? '(none)'} is not packed`);
      }
    }
    for (const entry of ['.', './spring', './client', './stomp'])
      assert.ok(built.includes(entry), `${entry} is not built`);
  });
});

describe('installed into scratch apps', () => {
  test('CommonJS require with Express 4 echoes through sockjs-client', { timeout: 30_000 }, async () => {
    const app = join(scratch, 'e4', 'echo.cjs');
    cpSync(join(repo, 'test', 'package', 'apps', 'echo.cjs'), app);
    assert.match(await runApp(app), /^echo ping over express 4$/m);
  });

  test('ESM import with Express 5 echoes through sockjs-client', { timeout: 30_000 }, async () => {
    const app = join(scratch, 'e5', 'echo.mjs');
    cpSync(join(repo, 'test', 'package', 'apps', 'echo.mjs'), app);
    assert.match(await runApp(app), /^echo ping over express 5$/m);
  });

  test('ESM import of the ./stomp entry: a topic round trip over a plain websocket', { timeout: 30_000 }, async () => {
    const app = join(scratch, 'e5', 'stomp.mjs');
    cpSync(join(repo, 'test', 'package', 'apps', 'stomp.mjs'), app);
    assert.match(await runApp(app), /^stomp v12\.stomp hello$/m);
  });

  test('TypeScript NodeNext (ESM) and bundler resolution compile strict and echo', { timeout: 60_000 }, async () => {
    const source = join(repo, 'test', 'package', 'apps', 'echo-typed.ts');
    const nodeNext = join(scratch, 'e5', 'nodenext');
    const bundler = join(scratch, 'e5', 'bundler');
    mkdirSync(nodeNext, { recursive: true });
    mkdirSync(bundler, { recursive: true });
    cpSync(source, join(nodeNext, 'echo.mts'));
    cpSync(source, join(bundler, 'echo.ts'));
    await Promise.all([
      compile(tsconfig(nodeNext, { module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: false }, ['*.mts'])),
      compile(tsconfig(bundler, { module: 'ESNext', moduleResolution: 'bundler', skipLibCheck: false }, ['*.ts'])),
    ]);
    const [a, b] = await Promise.all([runApp(join(nodeNext, 'echo.mjs')), runApp(join(bundler, 'echo.js'))]);
    assert.match(a, /^echo hello ping$/m);
    assert.match(b, /^echo hello ping$/m);
  });

  test('the README and docs/*.md ```ts blocks compile strict against the package', { timeout: 60_000 }, async () => {
    const dir = join(scratch, 'e5', 'readme');
    mkdirSync(dir, { recursive: true });
    const blocks = ['README.md', 'docs/spring-model.md', 'docs/security.md', 'docs/stomp.md'].flatMap((doc) =>
      readmeBlocks(doc, readFileSync(join(repo, doc), 'utf8')),
    );
    assert.ok(blocks.length >= 9, `only ${blocks.length} blocks found`);
    blocks.forEach((block, i) => writeFileSync(join(dir, `block${i}.mts`), sourceOf(block)));
    try {
      await run(process.execPath, [tsc, '-p', tsconfig(dir, { module: 'NodeNext', noEmit: true }, ['*.mts'])], {
        timeout: 60_000,
      });
    } catch (error) {
      const { stdout = '' } = error as { stdout?: string };
      // Name each failing block by where it is in its document.
      const named = stdout.replace(/block(\d+)\.mts/g, (_, i: string) => blocks[Number(i)]?.where ?? _);
      assert.fail(`README blocks do not compile:\n${named}`);
    }
  });

  test('the bin serves an echo endpoint on the port it prints', { timeout: 30_000 }, async () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    const bin = join(installed, manifest.bin['sockjs-ts-server'] ?? '');
    const child = spawn(process.execPath, [bin, '--port', '0', '--prefix', '/cli'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await withTimeout(
        new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const found = /listening on (http:\/\/\S+\/)/.exec(out);
            if (found?.[1]) resolve(found[1]);
          });
          child.once('exit', (code) => reject(new Error(`the CLI exited (${String(code)}) before listening`)));
        }),
        'the CLI to listen',
        15_000,
      );
      const client = openSockJs(`${url}cli`);
      const echoed = await withTimeout(
        new Promise<string>((resolve) => {
          client.onopen = () => client.send('ping');
          client.onmessage = ({ data }) => resolve(data);
        }),
        'the echo',
      );
      client.close();
      assert.equal(echoed, 'ping');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await withTimeout(exited, 'the CLI to exit');
      }
    }
  });
});
