/**
 * The hostile-input table: every row is one malformed or hostile request (or websocket action)
 * and the exact outcome the server must give — status and body, or websocket close code — plus,
 * where it matters, follow-up requests proving what the row did (not) do to a session.
 *
 * Paths and raw bytes are templates:
 *   {s}       the row's session URL, /hard/000/<id> (opened first when the row has a `setup`)
 *   {sid}     its session id
 *   {full}    a fresh session URL on /full (maxSessions 2, filled by the capacity group)
 *   {nullok}  a fresh session URL on /nullok (allows Origin: null)
 *   {port}    the server's port;  {host}  127.0.0.1:{port};  {script}  the client script URL
 *
 * Limits of /hard (see fixture.ts): text message 1024 B, request body 4096 B, body timeout 500 ms,
 * allowed origin http://good.example.
 */
import type { RawRequest } from '../support/http-message';

export type Setup = 'xhr-polling' | 'xhr-streaming' | 'jsonp-polling';

/** A request as the raw client sends it, from any local address. */
export interface Req extends RawRequest {
  /** Local address to connect from; default 127.0.0.1. */
  from?: string;
}

export interface Res {
  status: number;
  /** The exact body. */
  body?: string;
  bodyMatches?: RegExp;
  /** A streaming response: read until the body includes this text, then hang up. */
  streamIncludes?: string;
  /** Exact header values; null = must be absent. */
  headers?: Record<string, string | null>;
  /** The server closes the connection after this response. */
  closes?: boolean;
}

export type Step =
  | { req: Req; res: Res }
  /** The setup's xhr-streaming response carries exactly this next. */
  | { stream: string };

export interface WsFrame {
  opcode?: number;
  payload?: string | Buffer;
  fin?: boolean;
  mask?: boolean;
  rsv1?: boolean;
  /** Bytes written as they are, instead of a frame. */
  raw?: Buffer;
}

export type Action =
  /** Each step on its own connection, in order. */
  | { kind: 'http'; steps: Step[] }
  /** Raw bytes on one connection; these responses in order; then the connection is open or closed. */
  | { kind: 'raw'; send: Array<string | Buffer>; responses: Res[]; after: 'open' | 'closed' }
  /** A body that never completes (optionally trickling a byte every `everyMs`): answered within the window. */
  | { kind: 'slow'; send: Array<string | Buffer>; trickleEveryMs?: number; res: Res; minMs: number; maxMs: number }
  /** The client goes away mid-body: the server must drop the request and answer nothing. */
  | { kind: 'abort'; send: Array<string | Buffer> }
  /** The client half-closes after sending: these responses, then the server closes. */
  | { kind: 'half-close'; send: Array<string | Buffer>; responses: Res[] }
  /** A TCP reset once a response head with `status` arrived: the server must shrug it off. */
  | { kind: 'reset'; send: Array<string | Buffer>; status: number }
  /**
   * A websocket (RFC 6455, written by hand): the frames, then exactly these text messages (after
   * `o` on SockJS paths), then the close code — or, without `close`, the socket stays open.
   */
  | {
      kind: 'ws';
      path?: string;
      raw?: boolean;
      frames: WsFrame[];
      messages: string[];
      close?: { code: number; reason?: string };
      pongs?: string[];
      /** Frames written in the same packet as the upgrade request, before the 101. */
      early?: WsFrame[];
    }
  /**
   * `n` new sessions opened at once on /gated (maxSessions 2), whose handshakes all wait at a gate
   * until every request has either reached it or been refused: exactly `opened` may open, the
   * rest get 503.
   */
  | { kind: 'concurrent-opens'; transport: 'websocket' | 'xhr' | 'jsonp'; n: number; opened: number }
  /** hixie-76: handshake, the challenge answer and `o`, then frames, messages and how it ends. */
  | {
      kind: 'hixie';
      key1: string;
      key2: string;
      frames: Buffer[];
      messages: string[];
      end: 'close-frame' | 'dropped' | 'open';
    };

export interface Row {
  group: string;
  name: string;
  setup?: Setup;
  action: Action;
  then?: Step[];
}

// ------------------------------------------------------------------------------------------------
// The catalogue's exact bodies (server/errors.ts), spelled out: the table pins the wire.

export const NOT_FOUND = '404 Error: Page not found\n';
const PAYLOAD_EXPECTED = 'Payload expected.';
const UNSUPPORTED_TYPE = 'Unsupported content type; send the messages as a text/plain JSON array.';
const BROKEN = 'Broken JSON encoding.';
const CB_REQUIRED = '"callback" parameter required';
const CB_INVALID = 'invalid "callback" parameter';
const TOO_LARGE = 'Payload too large.';
const TOO_SLOW = 'Request body too slow.';
const TOO_MANY = 'Too many sessions.';
const ORIGIN = 'Origin not allowed';
const NOT_WS = 'Not a valid websocket request';
const EVIL = 'http://evil.example';
const GOOD = 'http://good.example';

const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9 } as const;

// ------------------------------------------------------------------------------------------------
// Builders.

const poll: Req = { method: 'POST', path: '{s}/xhr' };
const xhrSend = (body: string | Buffer, headers?: Record<string, string>, from?: string): Req => ({
  method: 'POST',
  path: '{s}/xhr_send',
  body,
  ...(headers ? { headers } : {}),
  ...(from ? { from } : {}),
});
const jsonpSend = (body: string, type = 'application/x-www-form-urlencoded', from?: string): Req => ({
  method: 'POST',
  path: '{s}/jsonp_send',
  body,
  headers: { 'Content-Type': type },
  ...(from ? { from } : {}),
});
const status = (code: number, body?: string, extra: Partial<Res> = {}): Res => ({
  status: code,
  ...(body === undefined ? {} : { body }),
  ...extra,
});
const ok204: Res = { status: 204, body: '' };
const polled = (frame: string): Step => ({ req: poll, res: status(200, frame + '\n') });
const jsonpPolled = (frame: string): Step => ({
  req: { method: 'GET', path: '{s}/jsonp?c=cb' },
  res: status(200, `/**/cb(${JSON.stringify(frame)});\r\n`),
});
const notFound: Res = { status: 404, body: NOT_FOUND };
const tooLarge: Res = { status: 413, body: TOO_LARGE, closes: true, headers: { connection: 'close' } };
const allow = (methods: string): Res => ({ status: 405, body: '', headers: { allow: methods, 'content-type': null } });
const forbidden: Res = { status: 403, body: ORIGIN };

/** Raw request head (templated), CRLF-terminated with the blank line. */
function head(method: string, path: string, headers: Record<string, string> = {}, version = '1.1'): string {
  const lines = [
    `${method} ${path} HTTP/${version}`,
    'Host: {host}',
    ...Object.entries(headers).map(([n, v]) => `${n}: ${v}`),
  ];
  return lines.join('\r\n') + '\r\n\r\n';
}

const upgradeHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({
  Connection: 'Upgrade',
  Upgrade: 'websocket',
  'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
  ...extra,
});
const upgrade = (path: string, extra: Record<string, string> = {}, method = 'GET'): Req => ({
  method,
  path,
  headers: upgradeHeaders(extra),
  omitContentLength: true,
});

// hixie-76 keys from the draft's example handshake (the runner checks the 16-byte answer).
const KEY1 = '4 @1  46546xW%0l 1 5';
const KEY2 = '12998 5 Y3 1  .P00';
const hixie = (extra: Record<string, string> = {}): Record<string, string> => ({
  Connection: 'Upgrade',
  Upgrade: 'WebSocket',
  'Sec-WebSocket-Key1': KEY1,
  'Sec-WebSocket-Key2': KEY2,
  ...extra,
});

const text = (payload: string | Buffer, extra: Partial<WsFrame> = {}): WsFrame => ({
  opcode: OP.TEXT,
  payload,
  ...extra,
});
const closePayload = (code: number, reason: string | Buffer = ''): Buffer => {
  const c = Buffer.alloc(2);
  c.writeUInt16BE(code, 0);
  return Buffer.concat([c, typeof reason === 'string' ? Buffer.from(reason) : reason]);
};
const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

const x = (n: number): string => 'x'.repeat(n);
const EURO_1026 = '€'.repeat(342);
const EURO_1023 = '€'.repeat(341);
/** Four messages of 1021, 1021, 1021 and 1020 bytes: a body of exactly 4096 bytes. */
const FULL_BODY = JSON.stringify([x(1021), x(1021), x(1021), x(1020)]);
const LONG_CB = 'c'.repeat(32);

// ------------------------------------------------------------------------------------------------

const jsonBodies: Row[] = (
  [
    ['an empty body', '', 500, PAYLOAD_EXPECTED],
    ['a single space', ' ', 500, BROKEN],
    ['only whitespace', '\r\n\t ', 500, BROKEN],
    ['null', 'null', 500, PAYLOAD_EXPECTED],
    ['true', 'true', 500, PAYLOAD_EXPECTED],
    ['a number', '42', 500, PAYLOAD_EXPECTED],
    ['a bare string (websocket only)', '"bare"', 500, PAYLOAD_EXPECTED],
    ['an object', '{}', 500, PAYLOAD_EXPECTED],
    ['an array-like object', '{"0":"x","length":1}', 500, PAYLOAD_EXPECTED],
    ['an array of numbers', '[1]', 500, BROKEN],
    ['an array holding null', '[null]', 500, BROKEN],
    ['strings mixed with a number', '["a",2]', 500, BROKEN],
    ['a nested array', '[["nested"]]', 500, BROKEN],
    ['an array of objects', '[{"a":"b"}]', 500, BROKEN],
    ['an array of booleans', '[true,false]', 500, BROKEN],
    ['a lone [', '[', 500, BROKEN],
    ['an unterminated string', '["unterminated', 500, BROKEN],
    ['an extra ]', '["a"]]', 500, BROKEN],
    ['a trailing comma', '["a",]', 500, BROKEN],
    ['single quotes', "['single']", 500, BROKEN],
    ['an invalid escape', '["\\x41"]', 500, BROKEN],
    ['a short \\u escape', '["\\u12"]', 500, BROKEN],
    ['a raw control character in a string', '["raw\u0001control"]', 500, BROKEN],
    ['a raw newline in a string', '["line\nbreak"]', 500, BROKEN],
    ['a byte order mark before the JSON', '\ufeff["bom"]', 500, BROKEN],
    ['NaN', 'NaN', 500, BROKEN],
    ['a number out of range', '[1e999]', 500, BROKEN],
    ['trailing garbage', '["a"] garbage', 500, BROKEN],
    ['two arrays back to back', '["a"]["b"]', 500, BROKEN],
    ['a comment', '//c\n["a"]', 500, BROKEN],
    ['1500 levels of nested arrays', '['.repeat(1500) + ']'.repeat(1500), 500, BROKEN],
  ] as const
).map(([name, body, code, expected]) => ({
  group: 'malformed JSON bodies (xhr_send)',
  name,
  setup: 'xhr-polling',
  action: { kind: 'http', steps: [{ req: xhrSend(body), res: status(code, expected) }] },
}));

const acceptedBodies: Row[] = (
  [
    ['an empty array delivers nothing', '[]', null],
    ['whitespace around the array', ' ["padded"] \n', 'a["padded"]'],
    ['an escaped lone high surrogate comes back escaped', '["\\ud800"]', 'a["\\ud800"]'],
    ['a reversed surrogate pair comes back escaped', '["\\udc00\\ud800"]', 'a["\\udc00\\ud800"]'],
    ['an escaped astral character comes back escaped', '["\\ud83d\\ude00"]', 'a["\\ud83d\\ude00"]'],
    ['an invalid UTF-8 byte becomes U+FFFD', bytes('["', [0xff], '"]'), 'a["\\ufffd"]'],
    [
      'a CESU-8 lone surrogate becomes three U+FFFD',
      bytes('["', [0xed, 0xa0, 0x80], '"]'),
      'a["\\ufffd\\ufffd\\ufffd"]',
    ],
    ['an overlong encoding becomes two U+FFFD', bytes('["', [0xc0, 0xaf], '"]'), 'a["\\ufffd\\ufffd"]'],
    ['a truncated sequence becomes one U+FFFD', bytes('["a', [0xe2, 0x82], '"]'), 'a["a\\ufffd"]'],
    ['a raw U+2028 comes back escaped', '["\u2028"]', 'a["\\u2028"]'],
    ['an escaped NUL comes back escaped', '["\\u0000"]', 'a["\\u0000"]'],
    ['several messages in one body, in order', '["1","2","3"]', 'a["1","2","3"]'],
  ] as const
).map(([name, body, frame]) => ({
  group: 'accepted edge bodies (xhr_send)',
  name,
  setup: 'xhr-polling',
  action: { kind: 'http', steps: [{ req: xhrSend(body), res: ok204 }] },
  then: frame === null ? [{ req: xhrSend('["after"]'), res: ok204 }, polled('a["after"]')] : [polled(frame)],
}));

const contentTypes: Row[] = [
  ...(
    [
      ['application/octet-stream', 415, UNSUPPORTED_TYPE],
      ['multipart/form-data; boundary=x', 415, UNSUPPORTED_TYPE],
      ['application/x-www-form-urlencoded', 415, UNSUPPORTED_TYPE],
      ['TEXT/PLAIN; charset=UTF-8', 204, ''],
      ['application/json', 204, ''],
      ['text/xml', 204, ''],
    ] as const
  ).map(([type, code, body]): Row => ({
    group: 'content types',
    name: `xhr_send with Content-Type ${type}`,
    setup: 'xhr-polling',
    action: { kind: 'http', steps: [{ req: xhrSend('["typed"]', { 'Content-Type': type }), res: status(code, body) }] },
    ...(code === 204 ? { then: [polled('a["typed"]')] } : {}),
  })),
  ...(
    [
      ['a form with d', 'd=%5B%22x%22%5D', undefined, 200, 'ok', 'a["x"]'],
      ['a form without d', 'e=%5B%22x%22%5D', undefined, 500, PAYLOAD_EXPECTED, null],
      ['a form with an empty d', 'd=', undefined, 500, PAYLOAD_EXPECTED, null],
      ['a form with broken JSON in d', 'd=%5B%22x', undefined, 500, BROKEN, null],
      ['a form with d=null', 'd=null', undefined, 500, PAYLOAD_EXPECTED, null],
      ['a form with d twice (the first wins)', 'd=%5B%221%22%5D&d=%5B%222%22%5D', undefined, 200, 'ok', 'a["1"]'],
      ['a text/plain body', '["y"]', 'text/plain', 200, 'ok', 'a["y"]'],
      [
        'a form whose d holds a message over the limit',
        'd=' + encodeURIComponent(JSON.stringify([x(1025)])),
        undefined,
        413,
        TOO_LARGE,
        null,
      ],
      ['an application/json body', '["y"]', 'application/json', 415, UNSUPPORTED_TYPE, null],
    ] as const
  ).map(([name, body, type, code, expected, frame]): Row => ({
    group: 'content types',
    name: `jsonp_send: ${name}`,
    setup: 'jsonp-polling',
    action: { kind: 'http', steps: [{ req: jsonpSend(body, type), res: status(code, expected) }] },
    ...(frame ? { then: [jsonpPolled(frame)] } : {}),
  })),
];

const sizes: Row[] = [
  {
    group: 'sizes',
    name: 'Content-Length over maxRequestBytes is refused up front (no body sent)',
    setup: 'xhr-polling',
    action: {
      kind: 'raw',
      send: [head('POST', '{s}/xhr_send', { 'Content-Length': '5000' })],
      responses: [tooLarge],
      after: 'closed',
    },
  },
  {
    group: 'sizes',
    name: 'a body of maxRequestBytes + 1',
    setup: 'xhr-polling',
    action: { kind: 'http', steps: [{ req: xhrSend(JSON.stringify([x(4093)])), res: tooLarge }] },
    then: [{ req: xhrSend('["still"]'), res: ok204 }, polled('a["still"]')],
  },
  {
    group: 'sizes',
    name: 'a body of exactly maxRequestBytes is taken',
    setup: 'xhr-polling',
    action: { kind: 'http', steps: [{ req: xhrSend(FULL_BODY), res: ok204 }] },
    then: [polled('a' + FULL_BODY)],
  },
  {
    group: 'sizes',
    name: 'a chunked body over maxRequestBytes',
    setup: 'xhr-polling',
    action: {
      kind: 'raw',
      send: [head('POST', '{s}/xhr_send', { 'Transfer-Encoding': 'chunked' }), '1388\r\n' + x(5000) + '\r\n'],
      responses: [tooLarge],
      after: 'closed',
    },
  },
  {
    group: 'sizes',
    name: 'a chunked body in two chunks is reassembled',
    setup: 'xhr-polling',
    action: {
      kind: 'raw',
      send: [
        head('POST', '{s}/xhr_send', { 'Transfer-Encoding': 'chunked' }),
        '4\r\n["ch\r\n7\r\nunked"]\r\n0\r\n\r\n',
      ],
      responses: [ok204],
      after: 'open',
    },
    then: [polled('a["chunked"]')],
  },
  {
    group: 'sizes',
    name: 'a message of maxTextMessageBytes + 1',
    setup: 'xhr-polling',
    action: { kind: 'http', steps: [{ req: xhrSend(JSON.stringify([x(1025)])), res: tooLarge }] },
  },
  {
    group: 'sizes',
    name: 'a message of exactly maxTextMessageBytes is taken',
    setup: 'xhr-polling',
    action: { kind: 'http', steps: [{ req: xhrSend(JSON.stringify([x(1024)])), res: ok204 }] },
    then: [polled(`a["${x(1024)}"]`)],
  },
  {
    group: 'sizes',
    name: '342 euro signs (1026 UTF-8 bytes, 342 characters)',
    setup: 'xhr-polling',
    action: { kind: 'http', steps: [{ req: xhrSend(JSON.stringify([EURO_1026])), res: tooLarge }] },
  },
  {
    group: 'sizes',
    name: '342 escaped euro signs: the decoded size counts, not the wire size',
    setup: 'xhr-polling',
    action: { kind: 'http', steps: [{ req: xhrSend('["' + '\\u20ac'.repeat(342) + '"]'), res: tooLarge }] },
  },
  {
    group: 'sizes',
    name: '341 euro signs (1023 bytes) are taken',
    setup: 'xhr-polling',
    action: { kind: 'http', steps: [{ req: xhrSend(JSON.stringify([EURO_1023])), res: ok204 }] },
    then: [polled(`a["${EURO_1023}"]`)],
  },
  {
    group: 'sizes',
    name: 'many messages, each under the limit, together over it',
    setup: 'xhr-polling',
    action: { kind: 'http', steps: [{ req: xhrSend(JSON.stringify([x(1000), x(1000), x(1000)])), res: ok204 }] },
    then: [polled('a' + JSON.stringify([x(1000), x(1000), x(1000)]))],
  },
  {
    group: 'sizes',
    name: 'a negative Content-Length (refused by the HTTP parser)',
    action: {
      kind: 'raw',
      send: [head('POST', '{s}/xhr_send', { 'Content-Length': '-1' })],
      responses: [status(400, '', { closes: true })],
      after: 'closed',
    },
  },
  {
    group: 'sizes',
    name: 'Content-Length and Transfer-Encoding together (request smuggling)',
    action: {
      kind: 'raw',
      send: [head('POST', '{s}/xhr_send', { 'Content-Length': '5', 'Transfer-Encoding': 'chunked' }), '0\r\n\r\n'],
      responses: [status(400, '', { closes: true })],
      after: 'closed',
    },
  },
  {
    group: 'sizes',
    name: 'two different Content-Lengths',
    action: {
      kind: 'raw',
      send: [
        head('POST', '{s}/xhr_send', { 'Content-Length': '5' }).replace('\r\n\r\n', '\r\nContent-Length: 6\r\n\r\n'),
        '["ab"]',
      ],
      responses: [status(400, '', { closes: true })],
      after: 'closed',
    },
  },
  {
    group: 'sizes',
    name: 'a 20 KiB URL (over the HTTP parser header limit)',
    action: {
      kind: 'raw',
      send: [head('GET', '/hard/000/' + x(20_000) + '/xhr')],
      responses: [status(431, '', { closes: true })],
      after: 'closed',
    },
  },
];

const callbackRows = (transport: 'jsonp' | 'htmlfile'): Row[] => {
  const invalid: Array<[string, string]> = [
    ['alert(1)', 'c=alert(1)'],
    ['a;b', 'c=a;b'],
    ['</script> (url-encoded)', 'c=%3C%2Fscript%3E'],
    ['33 characters', 'c=' + 'c'.repeat(33)],
    ['a unicode snowman', 'c=%E2%98%83'],
    ['an encoded newline', 'c=a%0Ab'],
    ['a plus (a space once decoded)', 'c=a+b'],
    ['an encoded NUL', 'c=%00'],
    ['fullwidth letters', 'c=%EF%BC%A1%EF%BC%A2'],
    ['an encoded U+2028', 'c=a%E2%80%A8b'],
    ['an attribute breakout', 'c=x%22%20onload%3D%22alert(1)'],
  ];
  const invalidRows = (transport === 'jsonp' ? invalid : invalid.filter((_, i) => i % 2 === 0)).map(
    ([name, query]): Row => ({
      group: `${transport} callbacks`,
      name: `callback ${name}`,
      action: {
        kind: 'http',
        steps: [{ req: { method: 'GET', path: `{s}/${transport}?${query}` }, res: status(500, CB_INVALID) }],
      },
    }),
  );
  const required: Array<[string, string]> = [
    ['missing', ''],
    ['empty', '?c='],
    ['empty first of two', '?c=&c=ok'],
  ];
  const requiredRows = required.map(([name, query]): Row => ({
    group: `${transport} callbacks`,
    name: `callback ${name}`,
    action: {
      kind: 'http',
      steps: [{ req: { method: 'GET', path: `{s}/${transport}${query}` }, res: status(500, CB_REQUIRED) }],
    },
  }));
  const valid: Array<[string, string, string]> = [
    ['url-encoded letters decode to a valid name', 'c=%61%62', 'ab'],
    ['`callback` spelled out', 'callback=cb', 'cb'],
    ['c wins over callback', 'c=x&callback=alert(1)', 'x'],
    ['32 characters', 'c=' + LONG_CB, LONG_CB],
  ];
  const validRows = (transport === 'jsonp' ? valid : valid.slice(0, 2)).map(([name, query, callback]): Row => ({
    group: `${transport} callbacks`,
    name: `callback ${name}`,
    action: {
      kind: 'http',
      steps: [
        {
          req: { method: 'GET', path: `{s}/${transport}?${query}` },
          res:
            transport === 'jsonp'
              ? status(200, `/**/${callback}("o");\r\n`, { headers: { 'x-content-type-options': 'nosniff' } })
              : { status: 200, streamIncludes: `var c = parent.${callback};` },
        },
      ],
    },
  }));
  return [...requiredRows, ...invalidRows, ...validRows];
};

const ids: Row[] = [
  ...(
    [
      ['a dot in the session id', 'POST', '/hard/000/a.b/xhr'],
      ['a semicolon in the session id', 'POST', '/hard/000/a;b/xhr'],
      ['a dot in the server id', 'POST', '/hard/0.0/abc/xhr'],
      ['an empty session id', 'POST', '/hard/000//xhr'],
      ['an empty server id', 'POST', '/hard//abc/xhr'],
      ['a segment too many', 'POST', '/hard/000/abc/xhr/extra'],
      ['four segments', 'POST', '/hard/a/b/c/xhr'],
      ['.. as the session id', 'POST', '/hard/000/../xhr'],
      ['a semicolon after the transport', 'POST', '/hard/000/abc/xhr;x'],
      ['an upper-case transport', 'POST', '/hard/000/abc/XHR'],
      ['transport __proto__', 'POST', '/hard/000/abc/__proto__'],
      ['transport constructor', 'GET', '/hard/000/abc/constructor'],
      ['transport xhr_sendx', 'POST', '/hard/000/abc/xhr_sendx'],
      ['transport eventsource2', 'GET', '/hard/000/abc/eventsource2'],
      ['no transport', 'POST', '/hard/000/abc/'],
      ['info.json', 'GET', '/hard/info.json'],
      ['an encoded < in the iframe name', 'GET', '/hard/iframe%3Cscript%3E.html'],
    ] as const
  ).map(([name, method, path]): Row => ({
    group: 'session and server ids',
    name,
    action: { kind: 'http', steps: [{ req: { method, path }, res: notFound }] },
  })),
  {
    group: 'session and server ids',
    name: 'an encoded slash is an opaque id: no session "a/b" appears',
    action: {
      kind: 'http',
      steps: [
        { req: { method: 'POST', path: '/hard/000/{sid}%2Fb/xhr' }, res: status(200, 'o\n') },
        { req: { method: 'POST', path: '/hard/000/{sid}/b/xhr_send', body: '["x"]' }, res: notFound },
        { req: { method: 'POST', path: '/hard/000/{sid}/xhr_send', body: '["x"]' }, res: notFound },
      ],
    },
  },
  {
    group: 'session and server ids',
    name: 'encoded dots are not decoded: an opaque id',
    action: {
      kind: 'http',
      steps: [{ req: { method: 'POST', path: '/hard/000/%2e%2e{sid}/xhr' }, res: status(200, 'o\n') }],
    },
  },
  {
    group: 'session and server ids',
    name: 'a path that only starts with the prefix is not the endpoint’s',
    action: { kind: 'http', steps: [{ req: { method: 'GET', path: '/hardly' }, res: status(404, 'not ours') }] },
  },
  {
    group: 'session and server ids',
    name: 'the asterisk-form target (OPTIONS *) is not the endpoint’s',
    action: { kind: 'http', steps: [{ req: { method: 'OPTIONS', path: '*' }, res: status(404, 'not ours') }] },
  },
];

const methods: Row[] = [
  ...(
    [
      ['POST on the greeting', 'POST', '/hard', 'GET'],
      ['HEAD on the greeting', 'HEAD', '/hard/', 'GET'],
      ['PUT on info', 'PUT', '/hard/info', 'OPTIONS, GET'],
      ['DELETE on the iframe page', 'DELETE', '/hard/iframe.html', 'GET'],
      ['POST on the client script', 'POST', '{script}', 'GET'],
      ['POST on the raw websocket', 'POST', '/hard/websocket', 'GET'],
      ['POST on the session websocket', 'POST', '{s}/websocket', 'GET'],
      ['GET on xhr', 'GET', '{s}/xhr', 'POST, OPTIONS'],
      ['GET on xhr_send', 'GET', '{s}/xhr_send', 'POST, OPTIONS'],
      ['PUT on xhr_streaming', 'PUT', '{s}/xhr_streaming', 'POST, OPTIONS'],
      ['POST on eventsource', 'POST', '{s}/eventsource', 'GET'],
      ['OPTIONS on eventsource (no CORS preflight there)', 'OPTIONS', '{s}/eventsource', 'GET'],
      ['POST on htmlfile', 'POST', '{s}/htmlfile?c=cb', 'GET'],
      ['POST on jsonp', 'POST', '{s}/jsonp?c=cb', 'GET'],
      ['GET on jsonp_send', 'GET', '{s}/jsonp_send', 'POST'],
    ] as const
  ).map(([name, method, path, allowed]): Row => ({
    group: 'methods',
    name,
    action: { kind: 'http', steps: [{ req: { method, path }, res: allow(allowed) }] },
  })),
  {
    group: 'methods',
    name: 'GET on the raw websocket without an upgrade',
    action: { kind: 'http', steps: [{ req: { method: 'GET', path: '/hard/websocket' }, res: status(400, NOT_WS) }] },
  },
  {
    group: 'methods',
    name: 'GET on the session websocket without an upgrade',
    action: { kind: 'http', steps: [{ req: { method: 'GET', path: '{s}/websocket' }, res: status(400, NOT_WS) }] },
  },
  {
    group: 'methods',
    name: 'an unknown method (refused by the HTTP parser)',
    action: {
      kind: 'raw',
      send: [head('FOO', '/hard/info')],
      responses: [status(400, '', { closes: true })],
      after: 'closed',
    },
  },
  {
    group: 'methods',
    name: 'a lower-case method (refused by the HTTP parser)',
    action: {
      kind: 'raw',
      send: [head('get', '/hard/info')],
      responses: [status(400, '', { closes: true })],
      after: 'closed',
    },
  },
];

const origins: Row[] = [
  ...(
    [
      ['GET info', { method: 'GET', path: '/hard/info' }],
      ['OPTIONS info (preflight)', { method: 'OPTIONS', path: '/hard/info' }],
      ['xhr', { method: 'POST', path: '{s}/xhr' }],
      ['xhr_send', { method: 'POST', path: '{s}/xhr_send', body: '["x"]' }],
      ['xhr_streaming', { method: 'POST', path: '{s}/xhr_streaming' }],
      ['xhr preflight', { method: 'OPTIONS', path: '{s}/xhr' }],
      ['eventsource', { method: 'GET', path: '{s}/eventsource' }],
      ['htmlfile', { method: 'GET', path: '{s}/htmlfile?c=cb' }],
      ['jsonp', { method: 'GET', path: '{s}/jsonp?c=cb' }],
      ['jsonp_send', { method: 'POST', path: '{s}/jsonp_send', body: 'd=%5B%22x%22%5D' }],
      ['the session websocket', upgrade('{s}/websocket')],
      ['the raw websocket', upgrade('/hard/websocket')],
      ['a hixie-76 websocket', { method: 'GET', path: '{s}/websocket', headers: hixie(), omitContentLength: true }],
    ] as const
  ).map(([name, req]): Row => ({
    group: 'origins',
    name: `a disallowed Origin on ${name}`,
    action: {
      kind: 'http',
      steps: [{ req: { ...req, headers: { ...('headers' in req ? req.headers : {}), Origin: EVIL } }, res: forbidden }],
    },
  })),
  ...(
    [
      ['xhr', { method: 'POST', path: '{s}/xhr' }],
      ['eventsource', { method: 'GET', path: '{s}/eventsource' }],
      ['jsonp', { method: 'GET', path: '{s}/jsonp?c=cb' }],
      ['the session websocket', upgrade('{s}/websocket')],
    ] as const
  ).map(([name, req]): Row => ({
    group: 'origins',
    name: `Origin: null (not listed) on ${name}`,
    action: {
      kind: 'http',
      steps: [
        { req: { ...req, headers: { ...('headers' in req ? req.headers : {}), Origin: 'null' } }, res: forbidden },
      ],
    },
  })),
  ...(
    [
      ['HTTP://GOOD.EXAMPLE (case-insensitive)', 'HTTP://GOOD.EXAMPLE', true],
      ['the allowed origin as a suffix of another host', 'http://good.example.evil.example', false],
      ['the allowed host on another port', 'http://good.example:8080', false],
      ['the allowed origin with a path', 'http://good.example/', false],
      ['a list of origins', `${GOOD}, ${EVIL}`, false],
      ['an origin that is not a URL', 'not a url', false],
      ['https instead of http', 'https://good.example', false],
      ['same origin as the Host', 'http://{host}', true],
    ] as const
  ).map(([name, origin, allowed]): Row => ({
    group: 'origins',
    name: `xhr with ${name}`,
    action: {
      kind: 'http',
      steps: [
        {
          req: { method: 'POST', path: '{s}/xhr', headers: { Origin: origin } },
          res: allowed ? status(200, 'o\n') : forbidden,
        },
      ],
    },
  })),
  {
    group: 'origins',
    name: 'the allowed origin gets CORS with credentials',
    action: {
      kind: 'http',
      steps: [
        {
          req: { method: 'POST', path: '{s}/xhr', headers: { Origin: GOOD } },
          res: status(200, 'o\n', {
            headers: { 'access-control-allow-origin': GOOD, 'access-control-allow-credentials': 'true' },
          }),
        },
      ],
    },
  },
  {
    group: 'origins',
    name: 'a spoofed Host does not make a foreign origin "same origin"',
    action: {
      kind: 'http',
      steps: [
        {
          req: {
            method: 'POST',
            path: '{s}/xhr',
            headers: { Origin: 'http://127.0.0.1:{port}', Host: 'evil.example:{port}' },
          },
          res: forbidden,
        },
      ],
    },
  },
  {
    group: 'origins',
    name: 'Origin: null where it is listed',
    action: {
      kind: 'http',
      steps: [{ req: { method: 'POST', path: '{nullok}/xhr', headers: { Origin: 'null' } }, res: status(200, 'o\n') }],
    },
  },
  {
    group: 'origins',
    name: 'the greeting is public whatever the Origin',
    action: {
      kind: 'http',
      steps: [
        { req: { method: 'GET', path: '/hard', headers: { Origin: EVIL } }, res: status(200, 'Welcome to SockJS!\n') },
      ],
    },
  },
  {
    group: 'origins',
    name: 'the iframe page is served but only frameable by allowed origins',
    action: {
      kind: 'http',
      steps: [
        {
          req: { method: 'GET', path: '/hard/iframe.html', headers: { Origin: EVIL } },
          res: { status: 200, headers: { 'content-security-policy': `frame-ancestors 'self' ${GOOD}` } },
        },
      ],
    },
  },
];

const protocol: Row[] = [
  {
    group: 'HTTP versions and pipelining',
    name: 'HTTP/1.0 info',
    action: {
      kind: 'http',
      steps: [
        {
          req: { method: 'GET', path: '/hard/info', httpVersion: '1.0' },
          res: {
            status: 200,
            bodyMatches: /^\{"websocket":true,"origins":\["\*:\*"\],"cookie_needed":false,"entropy":\d+\}$/,
            closes: true,
          },
        },
      ],
    },
  },
  {
    group: 'HTTP versions and pipelining',
    name: 'HTTP/1.0 xhr without Host',
    action: {
      kind: 'raw',
      send: ['POST {s}/xhr HTTP/1.0\r\nContent-Length: 0\r\n\r\n'],
      responses: [status(200, 'o\n', { closes: true })],
      after: 'closed',
    },
  },
  {
    group: 'HTTP versions and pipelining',
    name: 'HTTP/1.0 xhr_streaming streams close-delimited',
    action: {
      kind: 'http',
      steps: [
        {
          req: { method: 'POST', path: '{s}/xhr_streaming', httpVersion: '1.0' },
          res: { status: 200, streamIncludes: 'h'.repeat(2048) + '\no\n' },
        },
      ],
    },
  },
  {
    group: 'HTTP versions and pipelining',
    name: 'HTTP/1.1 without Host (refused by the HTTP server)',
    action: {
      kind: 'raw',
      send: ['GET /hard/info HTTP/1.1\r\n\r\n'],
      responses: [status(400, '', { closes: true })],
      after: 'closed',
    },
  },
  {
    group: 'HTTP versions and pipelining',
    name: 'three pipelined GETs are answered in order',
    action: {
      kind: 'raw',
      send: [head('GET', '/hard'), head('GET', '/hard/iframe.html'), head('GET', '/hard')],
      responses: [
        status(200, 'Welcome to SockJS!\n'),
        { status: 200, headers: { 'content-type': 'text/html; charset=UTF-8' } },
        status(200, 'Welcome to SockJS!\n'),
      ],
      after: 'open',
    },
  },
  {
    group: 'HTTP versions and pipelining',
    name: 'three pipelined xhr_sends keep their order',
    setup: 'xhr-polling',
    action: {
      kind: 'raw',
      send: ['1', '2', '3'].map((n) => head('POST', '{s}/xhr_send', { 'Content-Length': '5' }) + `["${n}"]`),
      responses: [ok204, ok204, ok204],
      after: 'open',
    },
    then: [polled('a["1","2","3"]')],
  },
  {
    group: 'HTTP versions and pipelining',
    name: 'broken JSON then a good send on one connection',
    setup: 'xhr-polling',
    action: {
      kind: 'raw',
      send: [
        head('POST', '{s}/xhr_send', { 'Content-Length': '3' }) +
          '["x' +
          head('POST', '{s}/xhr_send', { 'Content-Length': '6' }) +
          '["ok"]',
      ],
      responses: [status(500, BROKEN), ok204],
      after: 'open',
    },
    then: [polled('a["ok"]')],
  },
  {
    group: 'HTTP versions and pipelining',
    name: 'a request pipelined behind a 413 is not answered',
    setup: 'xhr-polling',
    action: {
      kind: 'raw',
      send: [head('POST', '{s}/xhr_send', { 'Content-Length': '5000' }) + x(5000) + head('GET', '/hard')],
      responses: [tooLarge],
      after: 'closed',
    },
  },
  {
    group: 'HTTP versions and pipelining',
    name: 'Expect: 100-continue',
    setup: 'xhr-polling',
    action: {
      kind: 'raw',
      send: [head('POST', '{s}/xhr_send', { 'Content-Length': '7', Expect: '100-continue' }), '["100"]'],
      responses: [status(100), ok204],
      after: 'open',
    },
    then: [polled('a["100"]')],
  },
];

const slowAndBroken: Row[] = [
  {
    group: 'slow, aborted and half-open',
    name: 'a slowloris body that stalls gets 408 after bodyTimeout',
    setup: 'xhr-polling',
    action: {
      kind: 'slow',
      send: [head('POST', '{s}/xhr_send', { 'Content-Length': '20' }) + '["slo'],
      res: { status: 408, body: TOO_SLOW, closes: true, headers: { connection: 'close' } },
      minMs: 450,
      maxMs: 2500,
    },
    then: [{ req: xhrSend('["fast"]'), res: ok204 }, polled('a["fast"]')],
  },
  {
    group: 'slow, aborted and half-open',
    name: 'a body trickling a byte every 100 ms still gets 408',
    setup: 'xhr-polling',
    action: {
      kind: 'slow',
      send: [head('POST', '{s}/xhr_send', { 'Content-Length': '1000' }) + '["'],
      trickleEveryMs: 100,
      res: { status: 408, body: TOO_SLOW, closes: true },
      minMs: 450,
      maxMs: 2500,
    },
  },
  {
    group: 'slow, aborted and half-open',
    name: 'a chunked body that stalls gets 408',
    setup: 'jsonp-polling',
    action: {
      kind: 'slow',
      send: [
        head('POST', '{s}/jsonp_send', { 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/plain' }) +
          '2\r\n["\r\n',
      ],
      res: { status: 408, body: TOO_SLOW, closes: true },
      minMs: 450,
      maxMs: 2500,
    },
  },
  {
    group: 'slow, aborted and half-open',
    name: 'an xhr_send upload aborted mid-body delivers nothing',
    setup: 'xhr-polling',
    action: { kind: 'abort', send: [head('POST', '{s}/xhr_send', { 'Content-Length': '100' }) + '["partial"'] },
    then: [{ req: xhrSend('["whole"]'), res: ok204 }, polled('a["whole"]')],
  },
  {
    group: 'slow, aborted and half-open',
    name: 'a jsonp_send upload aborted mid-body delivers nothing',
    setup: 'jsonp-polling',
    action: {
      kind: 'abort',
      send: [head('POST', '{s}/jsonp_send', { 'Content-Length': '100', 'Content-Type': 'text/plain' }) + '["par'],
    },
    then: [{ req: jsonpSend('d=%5B%22whole%22%5D'), res: status(200, 'ok') }, jsonpPolled('a["whole"]')],
  },
  {
    group: 'slow, aborted and half-open',
    name: 'a half-closed client still gets its xhr_send answered',
    setup: 'xhr-polling',
    action: {
      kind: 'half-close',
      send: [head('POST', '{s}/xhr_send', { 'Content-Length': '6' }) + '["hc"]'],
      responses: [ok204],
    },
    then: [polled('a["hc"]')],
  },
  {
    group: 'slow, aborted and half-open',
    name: 'a half-closed client gets a poll that has data',
    setup: 'xhr-polling',
    action: {
      kind: 'half-close',
      send: [
        head('POST', '{s}/xhr_send', { 'Content-Length': '6' }) +
          '["hp"]' +
          head('POST', '{s}/xhr', { 'Content-Length': '0' }),
      ],
      responses: [ok204, status(200, 'a["hp"]\n')],
    },
  },
  {
    group: 'slow, aborted and half-open',
    name: 'a long poll from a half-closed client counts as a dropped receiver (1002)',
    setup: 'xhr-polling',
    action: { kind: 'half-close', send: [head('POST', '{s}/xhr', { 'Content-Length': '0' })], responses: [] },
    then: [polled('c[1002,"Connection interrupted"]')],
  },
  {
    group: 'slow, aborted and half-open',
    name: 'an xhr_streaming response reset by the client ends its session (1002)',
    action: { kind: 'reset', send: [head('POST', '{s}/xhr_streaming', { 'Content-Length': '0' })], status: 200 },
    then: [
      {
        req: { method: 'POST', path: '{s}/xhr_streaming' },
        res: { status: 200, streamIncludes: 'c[1002,"Connection interrupted"]\n' },
      },
    ],
  },
];

const binding: Row[] = [
  {
    group: 'session binding',
    name: 'xhr_send from another address is 404 and delivers nothing',
    setup: 'xhr-polling',
    action: { kind: 'http', steps: [{ req: xhrSend('["intruder"]', undefined, '127.0.0.2'), res: notFound }] },
    then: [{ req: xhrSend('["mine"]'), res: ok204 }, polled('a["mine"]')],
  },
  {
    group: 'session binding',
    name: 'a poll from another address is 404 and takes nothing',
    setup: 'xhr-polling',
    action: {
      kind: 'http',
      steps: [
        { req: xhrSend('["queued"]'), res: ok204 },
        { req: { ...poll, from: '127.0.0.2' }, res: notFound },
      ],
    },
    then: [polled('a["queued"]')],
  },
  {
    group: 'session binding',
    name: 'xhr_streaming from another address is 404; the real stream carries on',
    setup: 'xhr-streaming',
    action: {
      kind: 'http',
      steps: [{ req: { method: 'POST', path: '{s}/xhr_streaming', from: '127.0.0.2' }, res: notFound }],
    },
    then: [{ req: xhrSend('["s"]'), res: ok204 }, { stream: 'a["s"]\n' }],
  },
  {
    group: 'session binding',
    name: 'jsonp_send and jsonp from another address are 404',
    setup: 'jsonp-polling',
    action: {
      kind: 'http',
      steps: [
        { req: jsonpSend('d=%5B%22intruder%22%5D', undefined, '127.0.0.2'), res: notFound },
        { req: { method: 'GET', path: '{s}/jsonp?c=cb', from: '127.0.0.2' }, res: notFound },
      ],
    },
    then: [{ req: jsonpSend('d=%5B%22mine%22%5D'), res: status(200, 'ok') }, jsonpPolled('a["mine"]')],
  },
  {
    group: 'session binding',
    name: 'another address opens and uses its own session',
    action: {
      kind: 'http',
      steps: [
        { req: { ...poll, from: '127.0.0.2' }, res: status(200, 'o\n') },
        { req: xhrSend('["two"]', undefined, '127.0.0.2'), res: ok204 },
        { req: { ...poll, from: '127.0.0.2' }, res: status(200, 'a["two"]\n') },
        { req: xhrSend('["one"]'), res: notFound },
      ],
    },
  },
];

const transportKinds: Row[] = [
  ...(
    [
      ['eventsource', { method: 'GET', path: '{s}/eventsource' }],
      ['jsonp', { method: 'GET', path: '{s}/jsonp?c=cb' }],
      ['htmlfile', { method: 'GET', path: '{s}/htmlfile?c=cb' }],
      ['xhr_streaming', { method: 'POST', path: '{s}/xhr_streaming' }],
      [
        'jsonp_send',
        {
          method: 'POST',
          path: '{s}/jsonp_send',
          body: 'd=%5B%22x%22%5D',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        },
      ],
    ] as const
  ).map(([name, req]): Row => ({
    group: 'session reuse with another transport',
    name: `${name} on an xhr-polling session`,
    setup: 'xhr-polling',
    action: { kind: 'http', steps: [{ req, res: notFound }] },
    then: [{ req: xhrSend('["kept"]'), res: ok204 }, polled('a["kept"]')],
  })),
  {
    group: 'session reuse with another transport',
    name: 'xhr_send on a jsonp-polling session',
    setup: 'jsonp-polling',
    action: { kind: 'http', steps: [{ req: xhrSend('["x"]'), res: notFound }] },
    then: [{ req: jsonpSend('d=%5B%22kept%22%5D'), res: status(200, 'ok') }, jsonpPolled('a["kept"]')],
  },
  {
    group: 'session reuse with another transport',
    name: 'xhr polling on an xhr-streaming session',
    setup: 'xhr-streaming',
    action: { kind: 'http', steps: [{ req: poll, res: notFound }] },
    then: [{ req: xhrSend('["kept"]'), res: ok204 }, { stream: 'a["kept"]\n' }],
  },
  {
    group: 'session reuse with another transport',
    name: 'a second xhr_streaming on a streaming session gets c[2010]',
    setup: 'xhr-streaming',
    action: {
      kind: 'http',
      steps: [
        {
          req: { method: 'POST', path: '{s}/xhr_streaming' },
          res: { status: 200, streamIncludes: 'c[2010,"Another connection still open"]\n' },
        },
      ],
    },
    then: [{ req: xhrSend('["kept"]'), res: ok204 }, { stream: 'a["kept"]\n' }],
  },
  {
    group: 'session reuse with another transport',
    name: 'a websocket on an xhr session’s URL is an independent session',
    setup: 'xhr-polling',
    action: { kind: 'ws', frames: [text('["ws"]')], messages: ['a["ws"]'] },
    then: [{ req: xhrSend('["xhr"]'), res: ok204 }, polled('a["xhr"]')],
  },
  {
    group: 'session reuse with another transport',
    name: 'xhr_send to an unknown session',
    action: { kind: 'http', steps: [{ req: xhrSend('["x"]'), res: notFound }] },
  },
  {
    group: 'session reuse with another transport',
    name: 'jsonp_send to an unknown session',
    action: { kind: 'http', steps: [{ req: jsonpSend('d=%5B%22x%22%5D'), res: notFound }] },
  },
];

const tooMany = { status: 503, body: TOO_MANY };
const capacity: Row[] = [
  ...(
    [
      ['xhr', { method: 'POST', path: '{full}/xhr' }],
      ['xhr_streaming', { method: 'POST', path: '{full}/xhr_streaming' }],
      ['eventsource', { method: 'GET', path: '{full}/eventsource' }],
      ['htmlfile', { method: 'GET', path: '{full}/htmlfile?c=cb' }],
      ['jsonp', { method: 'GET', path: '{full}/jsonp?c=cb' }],
      ['the session websocket', upgrade('{full}/websocket')],
      ['the raw websocket', upgrade('/full/websocket')],
    ] as const
  ).map(([name, req]): Row => ({
    group: 'capacity (maxSessions 2, full)',
    name: `a new session on ${name} once maxSessions is reached`,
    action: { kind: 'http', steps: [{ req, res: tooMany }] },
  })),
  ...(['xhr', 'jsonp', 'websocket'] as const).map((transport): Row => ({
    group: 'capacity (maxSessions 2, full)',
    name: `five concurrent ${transport} opens with slow handshakes: two open, three get 503`,
    action: { kind: 'concurrent-opens', transport, n: 5, opened: 2 },
  })),
  {
    group: 'capacity (maxSessions 2, full)',
    name: 'info still answers when full',
    action: { kind: 'http', steps: [{ req: { method: 'GET', path: '/full/info' }, res: { status: 200 } }] },
  },
];

const EIGHT_KEY_BYTES = '^n:ds[4U';
const websockets: Row[] = [
  ...(
    [
      ['a text frame over the frame limit', [text(x(7000))], [], 1009],
      ['a message of maxTextMessageBytes + 1', [text(JSON.stringify([x(1025)]))], [], 1009],
      ['342 euro signs', [text(JSON.stringify([EURO_1026]))], [], 1009],
      ['not JSON', [text('not json')], [], 3000],
      ['an array of numbers', [text('[1]')], [], 3000],
      ['an object', [text('{}')], [], 3000],
      ['null', [text('null')], [], 3000],
      ['an unterminated array', [text('["a"')], [], 3000],
      ['a binary frame', [{ opcode: OP.BINARY, payload: '["bin"]' }], [], 1003],
      ['invalid UTF-8 in a text frame', [text(bytes('["', [0xff], '"]'))], [], 1007],
      ['a CESU-8 surrogate in a text frame', [text(bytes('["', [0xed, 0xa0, 0x80], '"]'))], [], 1007],
      ['an unmasked frame', [text('["x"]', { mask: false })], [], 1002],
      ['RSV1 without an extension', [text('["x"]', { rsv1: true })], [], 1002],
      ['reserved opcode 3', [{ opcode: 3, payload: 'x' }], [], 1002],
      ['a ping with 126 bytes', [{ opcode: OP.PING, payload: x(126) }], [], 1002],
      ['a fragmented ping', [{ opcode: OP.PING, payload: 'p', fin: false }], [], 1002],
      ['a continuation with nothing to continue', [{ opcode: OP.CONT, payload: 'x' }], [], 1002],
      [
        'fragments over the frame limit',
        [text(x(4000), { fin: false }), { opcode: OP.CONT, payload: x(4000) }],
        [],
        1009,
      ],
      ['a close frame with code 999', [{ opcode: OP.CLOSE, payload: closePayload(999) }], [], 1002],
      ['a close frame with a one-byte payload', [{ opcode: OP.CLOSE, payload: Buffer.from([3]) }], [], 1002],
      [
        'a close reason of invalid UTF-8',
        [{ opcode: OP.CLOSE, payload: closePayload(1000, Buffer.from([0xff])) }],
        [],
        1007,
      ],
      [
        'a frame header claiming 2^40 bytes',
        [{ raw: Buffer.from([0x81, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4]) }],
        [],
        1009,
      ],
      [
        'a clean close from the client is answered with 1000',
        [{ opcode: OP.CLOSE, payload: closePayload(1000, 'bye') }],
        [],
        1000,
      ],
    ] as const
  ).map(([name, frames, messages, code]): Row => ({
    group: 'websocket (SockJS framing)',
    name,
    action: { kind: 'ws', frames: [...frames], messages: [...messages], close: { code } },
  })),
  ...(
    [
      ['a message of exactly maxTextMessageBytes', [text(JSON.stringify([x(1024)]))], [`a["${x(1024)}"]`]],
      ['a bare JSON string is one message', [text('"bare"')], ['a["bare"]']],
      ['an empty text frame is ignored', [text(''), text('["after"]')], ['a["after"]']],
      ['an empty array is nothing', [text('[]'), text('["after"]')], ['a["after"]']],
      ['an escaped lone surrogate comes back escaped', [text('["\\ud800"]')], ['a["\\ud800"]']],
      [
        'a fragmented text message is reassembled',
        [text('["fr', { fin: false }), { opcode: OP.CONT, payload: 'ag"]' }],
        ['a["frag"]'],
      ],
    ] as const
  ).map(([name, frames, messages]): Row => ({
    group: 'websocket (SockJS framing)',
    name,
    action: { kind: 'ws', frames: [...frames], messages: [...messages] },
  })),
  {
    group: 'websocket (SockJS framing)',
    name: 'a frame in the same packet as the upgrade request',
    action: { kind: 'ws', early: [text('["early"]')], frames: [], messages: ['a["early"]'] },
  },
  {
    group: 'websocket (SockJS framing)',
    name: '1024 escaped NULs (6148 bytes on the wire) are one message at the limit',
    action: {
      kind: 'ws',
      frames: [text(JSON.stringify(['\u0000'.repeat(1024)]))],
      messages: ['a' + JSON.stringify(['\u0000'.repeat(1024)])],
    },
  },
  {
    group: 'websocket (SockJS framing)',
    name: '1025 escaped NULs',
    action: {
      kind: 'ws',
      frames: [text(JSON.stringify(['\u0000'.repeat(1025)]))],
      messages: [],
      close: { code: 1009 },
    },
  },
  {
    group: 'websocket (SockJS framing)',
    name: 'a ping is answered with the same payload',
    action: { kind: 'ws', frames: [{ opcode: OP.PING, payload: 'hi' }], messages: [], pongs: ['hi'] },
  },
  {
    group: 'websocket (raw endpoint)',
    name: 'a text message over maxTextMessageBytes',
    action: {
      kind: 'ws',
      path: '/hard/websocket',
      raw: true,
      frames: [text(x(1025))],
      messages: [],
      close: { code: 1009, reason: 'Message too big' },
    },
  },
  {
    group: 'websocket (raw endpoint)',
    name: 'a binary message without onBinaryMessage',
    action: {
      kind: 'ws',
      path: '/hard/websocket',
      raw: true,
      frames: [{ opcode: OP.BINARY, payload: 'b' }],
      messages: [],
      close: { code: 1003 },
    },
  },
  {
    group: 'websocket (raw endpoint)',
    name: 'anything that is text is a message (no SockJS framing)',
    action: { kind: 'ws', path: '/hard/websocket', raw: true, frames: [text('not json')], messages: ['not json'] },
  },
  ...(
    [
      [
        'the raw websocket with version 7',
        upgrade('/hard/websocket', { 'Sec-WebSocket-Version': '7' }),
        status(400, 'Only supported WebSocket protocol is RFC 6455.'),
      ],
      [
        'the session websocket with version 7',
        upgrade('{s}/websocket', { 'Sec-WebSocket-Version': '7' }),
        status(400, 'Missing or invalid Sec-WebSocket-Version header'),
      ],
      [
        'a missing Sec-WebSocket-Key',
        {
          ...upgrade('{s}/websocket'),
          headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13' },
        },
        status(400, 'Missing or invalid Sec-WebSocket-Key header'),
      ],
      ['Upgrade: foo', upgrade('{s}/websocket', { Upgrade: 'foo' }), status(400, NOT_WS)],
      ['a POST upgrade', upgrade('{s}/websocket', {}, 'POST'), status(405, '', { headers: { allow: 'GET' } })],
      ['an upgrade on a non-websocket route', upgrade('{s}/xhr'), status(404, '')],
      [
        'a malformed Sec-WebSocket-Protocol',
        upgrade('{s}/websocket', { 'Sec-WebSocket-Protocol': 'a b' }),
        status(400, 'Invalid Sec-WebSocket-Protocol header'),
      ],
    ] as const
  ).map(([name, req, res]): Row => ({
    group: 'websocket upgrades',
    name,
    action: { kind: 'http', steps: [{ req, res: { ...res, closes: true } }] },
  })),
  {
    group: 'hixie-76',
    name: 'a well-formed handshake opens an echoing session',
    action: {
      kind: 'hixie',
      key1: KEY1,
      key2: KEY2,
      frames: [bytes([0x00], '["h"]', [0xff])],
      messages: ['a["h"]'],
      end: 'open',
    },
  },
  ...(
    [
      ['key1 without spaces', { 'Sec-WebSocket-Key1': '4@146546xW%0l15' }],
      ['a key not divisible by its spaces', { 'Sec-WebSocket-Key1': '1 2 3' }],
      ['a key without digits', { 'Sec-WebSocket-Key2': 'a b c' }],
      ['a key of 11 digits', { 'Sec-WebSocket-Key1': '12345678901 ' }],
      ['a key whose quotient is over 2^32 - 1', { 'Sec-WebSocket-Key1': '4294967296 ' }],
    ] as const
  ).map(([name, keys]): Row => ({
    group: 'hixie-76',
    name: `malformed keys: ${name}`,
    action: {
      kind: 'raw',
      send: [head('GET', '{s}/websocket', { ...hixie(), ...keys }) + EIGHT_KEY_BYTES],
      responses: [status(400, NOT_WS, { closes: true })],
      after: 'closed',
    },
  })),
  {
    group: 'hixie-76',
    name: 'a frame that never ends, past the frame limit, is closed',
    action: {
      kind: 'hixie',
      key1: KEY1,
      key2: KEY2,
      frames: [bytes([0x00], x(7000))],
      messages: [],
      end: 'close-frame',
    },
  },
  {
    group: 'hixie-76',
    name: 'a complete frame carrying a message over the limit is closed',
    action: {
      kind: 'hixie',
      key1: KEY1,
      key2: KEY2,
      frames: [bytes([0x00], JSON.stringify([x(1025)]), [0xff])],
      messages: [],
      end: 'close-frame',
    },
  },
  {
    group: 'hixie-76',
    name: 'a frame of an unknown type drops the connection',
    action: {
      kind: 'hixie',
      key1: KEY1,
      key2: KEY2,
      frames: [bytes([0x80, 0x01, 0x02])],
      messages: [],
      end: 'dropped',
    },
  },
  {
    group: 'hixie-76',
    name: 'broken SockJS framing inside a hixie frame closes it',
    action: {
      kind: 'hixie',
      key1: KEY1,
      key2: KEY2,
      frames: [bytes([0x00], 'nope', [0xff])],
      messages: [],
      end: 'close-frame',
    },
  },
];

const resets: Row[] = [
  {
    group: 'resets after refusals',
    name: 'a client that resets after a refused upgrade (403)',
    action: { kind: 'reset', send: [head('GET', '{s}/websocket', { ...upgradeHeaders(), Origin: EVIL })], status: 403 },
  },
  {
    group: 'resets after refusals',
    name: 'a client that resets after an unclaimed upgrade (404)',
    action: { kind: 'reset', send: [head('GET', '{s}/xhr', upgradeHeaders())], status: 404 },
  },
  {
    group: 'resets after refusals',
    name: 'a client that resets while hixie-76 waits for its key bytes',
    action: { kind: 'reset', send: [head('GET', '{s}/websocket', hixie())], status: 101 },
  },
  {
    group: 'resets after refusals',
    name: 'a client that resets after a refused POST upgrade (405)',
    action: { kind: 'reset', send: [head('POST', '{s}/websocket', upgradeHeaders())], status: 405 },
  },
  {
    group: 'resets after refusals',
    name: 'a client that resets after ws refused the upgrade itself (400, version 7)',
    action: {
      kind: 'reset',
      send: [head('GET', '{s}/websocket', upgradeHeaders({ 'Sec-WebSocket-Version': '7' }))],
      status: 400,
    },
  },
  {
    group: 'resets after refusals',
    name: 'a client that resets after a 413 (plain HTTP)',
    setup: 'xhr-polling',
    action: { kind: 'reset', send: [head('POST', '{s}/xhr_send', { 'Content-Length': '5000' })], status: 413 },
  },
];

export const ROWS: readonly Row[] = [
  ...jsonBodies,
  ...acceptedBodies,
  ...contentTypes,
  ...sizes,
  ...callbackRows('jsonp'),
  ...callbackRows('htmlfile'),
  ...ids,
  ...methods,
  ...origins,
  ...protocol,
  ...slowAndBroken,
  ...binding,
  ...transportKinds,
  ...capacity,
  ...websockets,
  ...resets,
];

/** The group whose rows run with /full filled to maxSessions. */
export const CAPACITY_GROUP = 'capacity (maxSessions 2, full)';
export const HIXIE_KEY_BYTES = EIGHT_KEY_BYTES;
