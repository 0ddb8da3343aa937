/** Properties of the router (server/router.ts): matchRoute, underPrefix, splitUrl, for any input. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { matchRoute, splitUrl, underPrefix, type Route } from '../../server/router';

const RUNS = { numRuns: 3000 };
const SCRIPT = '/sockjs-client.0123456789ab.min.js';
const TRANSPORTS = [
  'websocket',
  'xhr',
  'xhr_send',
  'xhr_streaming',
  'eventsource',
  'htmlfile',
  'jsonp',
  'jsonp_send',
] as const;
const KINDS: ReadonlyArray<Route['kind']> = [
  'greeting',
  'info',
  'iframe',
  'raw-websocket',
  'client-script',
  'session',
  'not-found',
];

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** URL-ish characters, the separators that matter, and anything else. */
const pathChar = fc.oneof(
  fc.constantFrom('/', '/', '/', '.', ';', '?', '%', '2', 'F', 'e', 'a', 'x', 'h', 'r', '_', '-', '~', ' ', '#', '\\'),
  codeUnit,
);
const anyPath = fc.oneof(
  fc.string({ unit: pathChar, maxLength: 60 }),
  fc.string({ unit: pathChar, maxLength: 60 }).map((s) => '/' + s),
  fc.webPath(),
);

/** A character a server or session id may hold: anything but `/`, `.`, `;` (and `?`, which ends a path). */
const idChar = fc
  .oneof(fc.constantFrom('a', 'Z', '0', '-', '_', '~', '%', '2', 'F', '@', '!', ':', ',', '=', '+', ' ', 'é'), codeUnit)
  .filter((c) => !/[/.;?]/.test(c));
const id = fc.string({ unit: idChar, minLength: 1, maxLength: 40 });
const transport = fc.constantFrom(...TRANSPORTS);
const forbidden = fc.constantFrom('/', '.', ';');
/** An id with one forbidden character inserted somewhere. */
const badId = fc
  .tuple(fc.string({ unit: idChar, maxLength: 20 }), forbidden, fc.string({ unit: idChar, maxLength: 20 }))
  .map(([a, f, b]) => a + f + b);

/** Prefixes as createEndpoint accepts them (checkPrefix): '' for '/', else /[A-Za-z0-9_\-~./]* without a trailing '/'. */
const prefix = fc.oneof(
  fc.constant(''),
  fc
    .string({ unit: fc.constantFrom(...'abcXYZ019_-~./'.split('')), minLength: 1, maxLength: 20 })
    .map((s) => '/' + s)
    .filter((p) => !p.endsWith('/')),
);

describe('matchRoute()', () => {
  test('never throws and always names a known route, with or without a client script path', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(anyPath, fc.option(fc.constant(SCRIPT), { nil: undefined }), (path, script) => {
        assert.ok(KINDS.includes(matchRoute(path, script).kind));
      }),
      RUNS,
    );
  });

  test('a session route is exactly /server/session/transport[/] with clean, non-empty ids', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        const route = matchRoute(path, SCRIPT);
        if (route.kind !== 'session') return;
        for (const part of [route.serverId, route.sessionId]) {
          assert.ok(part.length > 0, 'ids are never empty');
          assert.doesNotMatch(part, /[/.;]/, 'ids never hold / . ;');
        }
        assert.match(route.transport, /^[a-z_]+$/);
        const rebuilt = `/${route.serverId}/${route.sessionId}/${route.transport}`;
        assert.ok(
          path === rebuilt || path === rebuilt + '/',
          `${JSON.stringify(path)} rebuilt as ${JSON.stringify(rebuilt)}`,
        );
      }),
      RUNS,
    );
  });

  test('an id holding "/", "." or ";" never yields a session route', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.tuple(badId, id), fc.tuple(id, badId), fc.tuple(badId, badId)),
        transport,
        fc.boolean(),
        ([server, session], t, slash) => {
          const route = matchRoute(`/${server}/${session}/${t}${slash ? '/' : ''}`, SCRIPT);
          assert.notEqual(route.kind, 'session', JSON.stringify(route));
        },
      ),
      RUNS,
    );
  });

  test('valid ids and a known transport give exactly those back', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(id, id, transport, fc.boolean(), (serverId, sessionId, t, slash) => {
        const route = matchRoute(`/${serverId}/${sessionId}/${t}${slash ? '/' : ''}`, SCRIPT);
        assert.deepEqual(route, { kind: 'session', serverId, sessionId, transport: t });
      }),
      RUNS,
    );
  });

  test('the client script is matched only by its exact path', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        const withScript = matchRoute(path, SCRIPT).kind === 'client-script';
        assert.equal(withScript, path === SCRIPT);
        assert.notEqual(matchRoute(path, undefined).kind, 'client-script');
      }),
      RUNS,
    );
  });
});

describe('underPrefix()', () => {
  test('prefix + rest gives back rest when rest is "" or starts with "/"', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(
        prefix,
        fc.oneof(
          fc.constant(''),
          anyPath.map((p) => '/' + p),
        ),
        (p, rest) => {
          assert.equal(underPrefix(p + rest, p), rest);
        },
      ),
      RUNS,
    );
  });

  test(
    'whatever it returns, prefix + result is the path and the result is "" or starts with "/"',
    { timeout: 30_000 },
    () => {
      fc.assert(
        fc.property(prefix, anyPath, (p, path) => {
          const rest = underPrefix(path, p);
          if (rest === undefined) {
            // Refused: not under the prefix, or only sharing its first letters.
            assert.ok(!path.startsWith(p) || (path.length > p.length && path[p.length] !== '/'));
            return;
          }
          assert.equal(p + rest, path);
          assert.ok(rest === '' || rest.startsWith('/'));
        }),
        RUNS,
      );
    },
  );

  test('a path that only shares the prefix’s first letters is never owned', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(
        prefix.filter((p) => p !== ''),
        fc.string({ unit: pathChar, minLength: 1, maxLength: 20 }).filter((s) => !s.startsWith('/')),
        (p, tail) => {
          assert.equal(underPrefix(p + tail, p), undefined);
        },
      ),
      RUNS,
    );
  });
});

describe('splitUrl()', () => {
  test('the path holds no "?" and path + "?" + query rebuilds the URL', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(fc.oneof(anyPath, fc.webUrl({ withQueryParameters: true, withFragments: true })), (url) => {
        const { path, query } = splitUrl(url);
        assert.ok(!path.includes('?'));
        if (url.includes('?')) assert.equal(path + '?' + query, url);
        else assert.deepEqual({ path, query }, { path: url, query: '' });
      }),
      RUNS,
    );
  });
});

describe('the whole routing path (splitUrl, underPrefix, matchRoute)', () => {
  test(
    'prefix/server/session/transport?query routes to exactly that session and transport',
    { timeout: 30_000 },
    () => {
      fc.assert(
        fc.property(prefix, id, id, transport, fc.string({ maxLength: 30 }), (p, serverId, sessionId, t, query) => {
          const { path, query: q } = splitUrl(`${p}/${serverId}/${sessionId}/${t}?${query}`);
          assert.equal(q, query);
          const rest = underPrefix(path, p);
          assert.notEqual(rest, undefined);
          assert.deepEqual(matchRoute(rest as string, SCRIPT), { kind: 'session', serverId, sessionId, transport: t });
        }),
        RUNS,
      );
    },
  );
});
