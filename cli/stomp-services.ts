/**
 * The STOMP demo services, used by `npm start` and the tests: one STOMP server on a SockJS endpoint
 * (`/stomp`, every transport) and a plain websocket one (`/stomp-ws`), two demo users (alice/alice,
 * bob/bob; no `login` is an anonymous session), the chat mappings, and `POST /publish` for sending
 * from outside (`SimpMessagingTemplate` over HTTP).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SockJsError, type EndpointOptions } from '../server';
import { createStompServer, type ChannelInterceptor, type StompServer, type StompServerOptions } from '../server/stomp';

/** The demo's users and their passcodes. A demo: never keep passwords like this. */
export const STOMP_DEMO_USERS: Readonly<Record<string, string>> = { alice: 'alice', bob: 'bob' };

/** The largest `POST /publish` body, in bytes. */
export const PUBLISH_MAX_BYTES = 64 * 1024;

/** Longest chat text kept; longer ones are cut (a demo room, not a file transfer). */
const MAX_TEXT = 2000;

type InboundFrame = Parameters<NonNullable<ChannelInterceptor['inbound']>>[0];

function header(frame: InboundFrame, name: string): string | undefined {
  return frame.headers.find(([key]) => key === name)?.[1];
}

/** CONNECT with `login`/`passcode` of a demo user sets that user; any other login is refused. */
export const demoLogin: ChannelInterceptor = {
  inbound(frame, context) {
    if (frame.command !== 'CONNECT' && frame.command !== 'STOMP') return undefined;
    const login = header(frame, 'login');
    if (login === undefined || login === '') return undefined;
    const known = Object.hasOwn(STOMP_DEMO_USERS, login) ? STOMP_DEMO_USERS[login] : undefined;
    // One message for both cases: which logins exist is not the client's business.
    if (known === undefined || header(frame, 'passcode') !== known) throw new Error('Bad credentials');
    context.setUser(login);
    return undefined;
  },
};

/**
 * Chat lines and private messages carry the sender's name only if they went through the `/app`
 * mappings that stamp it: a client's SEND straight to a room topic or to a user destination
 * (which would let it write `from: "bob"` itself) is refused. Other topics stay open to clients.
 */
export const stampedChatOnly: ChannelInterceptor = {
  inbound(frame) {
    if (frame.command !== 'SEND') return undefined;
    const destination = header(frame, 'destination') ?? '';
    if (destination.startsWith('/topic/chat.') || destination.startsWith('/user/')) {
      throw new Error(`send chat lines to /app/chat.{room} and private messages to /app/private, not ${destination}`);
    }
    return undefined;
  },
};

export interface ChatLine {
  readonly from: string;
  readonly text: string;
  readonly at: string;
}

function chatLine(from: string | undefined, text: unknown): ChatLine | undefined {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  return { from: from ?? 'anonymous', text: text.slice(0, MAX_TEXT), at: new Date().toISOString() };
}

function fieldOf(payload: unknown, name: string): unknown {
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined;
}

/** The mappings: `/app/echo`, the rooms (`/app/chat.{room}` → `/topic/chat.{room}`) and private messages. */
function addMappings(stomp: StompServer): void {
  stomp.messageMapping('/echo', (message) => message.payload);
  // The reply goes to Spring's default destination, `/topic/chat.{room}`; an empty text sends nothing.
  stomp.messageMapping('/chat.{room}', (message) =>
    chatLine(message.session.user?.name, fieldOf(message.payload, 'text')),
  );
  stomp.messageMapping('/private', (message) => {
    const to = fieldOf(message.payload, 'to');
    const line = chatLine(message.session.user?.name, fieldOf(message.payload, 'text'));
    if (typeof to !== 'string' || to === '' || !line) return undefined;
    stomp.template.convertAndSendToUser(to, '/queue/private', { ...line, to });
    return undefined;
  });
}

export interface StompServices {
  readonly stomp: StompServer;
  /** `/stomp` (SockJS) and `/stomp-ws` (plain websocket), any origin, like the other test services. */
  readonly endpoints: EndpointOptions[];
  /** `POST /publish`, for node:http and Express alike. */
  readonly publish: (req: IncomingMessage, res: ServerResponse) => void;
}

/** A STOMP server with the demo's users and mappings, the endpoint options to mount it, and `/publish`. */
export function stompServices(options: StompServerOptions = {}): StompServices {
  const stomp = createStompServer({
    ...options,
    interceptors: [demoLogin, stampedChatOnly, ...(options.interceptors ?? [])],
  });
  addMappings(stomp);
  const common = { handler: stomp.handler, subprotocols: stomp.subprotocols, allowedOrigins: ['*'] };
  return {
    stomp,
    endpoints: [
      { prefix: '/stomp', ...common },
      { prefix: '/stomp-ws', sockjs: false, ...common },
    ],
    publish: (req, res) => void publish(stomp, req, res),
  };
}

// ---- POST /publish ----

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** The request body as text, refused past PUBLISH_MAX_BYTES (then the rest is not read). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > PUBLISH_MAX_BYTES) {
        req.removeAllListeners('data');
        req.pause();
        reject(new HttpProblem(413, `the body is larger than ${PUBLISH_MAX_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    // A client gone mid-body never ends it: settle rather than wait forever (the answer goes nowhere).
    req.once('close', () => reject(new HttpProblem(400, 'the request body was cut short')));
  });
}

interface PublishRequest {
  readonly destination: string;
  readonly payload: unknown;
  readonly user: string | undefined;
}

function parsePublish(text: string): PublishRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpProblem(400, 'the body is not JSON');
  }
  const destination = fieldOf(body, 'destination');
  const user = fieldOf(body, 'user');
  if (typeof destination !== 'string' || destination === '') {
    throw new HttpProblem(400, '"destination" must be a non-empty string');
  }
  if (user !== undefined && (typeof user !== 'string' || user === '')) {
    throw new HttpProblem(400, '"user", when given, must be a non-empty string');
  }
  return { destination, payload: fieldOf(body, 'payload') ?? null, user };
}

async function publish(stomp: StompServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method !== 'POST') throw new HttpProblem(405, 'use POST');
    // JSON only: a cross-origin page cannot send it without a CORS preflight, which is never granted.
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      throw new HttpProblem(415, 'the content-type must be application/json');
    }
    const { destination, payload, user } = parsePublish(await readBody(req));
    const reached =
      user === undefined
        ? stomp.template.convertAndSend(destination, payload)
        : stomp.template.convertAndSendToUser(user, destination, payload);
    answer(res, 200, { reached });
  } catch (error) {
    if (error instanceof HttpProblem) {
      // The rest of a body too large is never read: the connection cannot carry another request.
      const extra = error.status === 405 ? { allow: 'POST' } : error.status === 413 ? { connection: 'close' } : {};
      answer(res, error.status, { error: error.message }, extra);
      if (error.status === 413) res.once('finish', () => req.socket.destroy());
    } else if (error instanceof SockJsError) answer(res, 400, { error: error.message });
    else answer(res, 500, { error: 'internal error' });
  }
}
