import { randomFillSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Close, closeFrame, type CloseInfo, SockJsError, type TransportName } from '../../protocol';
import type { SessionUse } from '../../transports';
import type { TextSocket } from '../../transports/text-socket';
import { WebSocketReceiver } from '../../transports/websocket';
import { runHandshake, type HandshakeOutcome } from '../handshake';
import type { ResolvedOptions } from '../options';
import { admits } from './binding';
import { RawSession } from './raw-session';
import { Session, type SessionContext, type SessionInit } from './session';
import type { ManagedSession, SessionStore } from './store';
import type { TimerWheel } from './timer-wheel';

type Accepted = HandshakeOutcome & { ok: true };
type Refused = HandshakeOutcome & { ok: false };

/**
 * How sessions come to be: admission (`maxSessions`, shutdown), the handshake (interceptors,
 * principal), then a session registered in the store and on the timer wheel. HTTP sessions open on
 * their first receiving request (concurrent first requests for one id share one handshake);
 * websocket sessions once the upgrade has completed.
 */
export class SessionOpening {
  /** False once the endpoint is closing: new sessions get 503. */
  accepting = true;
  /** Websocket handshakes under way (their interceptors are running): they hold a session slot. */
  private upgrading = 0;
  /** Handshakes under way for new HTTP sessions, so that concurrent first requests share one. */
  private readonly pending = new Map<string, Promise<Session | HandshakeOutcome>>();

  constructor(
    private readonly options: ResolvedOptions,
    private readonly store: SessionStore,
    private readonly wheel: TimerWheel,
    private readonly context: SessionContext,
  ) {}

  /** The session with this id if this request may use it that way; `'refused'` if it may not. */
  find(id: string, req: IncomingMessage, use: SessionUse): Session | 'refused' | undefined {
    const session = this.store.get(id);
    if (session === undefined) return undefined;
    return session instanceof Session && admits(session, req, use, this.options.sessionBinding) ? session : 'refused';
  }

  /** A new HTTP session for `id`, opened by this request; undefined when refused (and answered). */
  open(
    id: string,
    transport: TransportName,
    req: IncomingMessage,
    res: ServerResponse,
    resumable = false,
  ): Session | undefined | Promise<Session | undefined> {
    const pending = this.pending.get(id);
    if (pending) return pending.then((result) => this.joined(result, transport, req, res));
    const full = this.admission();
    if (full) return this.refuse(res, refusedWith(full));
    const outcome = this.handshake(req, transport);
    // Without interceptors or a principal resolver the handshake is synchronous: no promise at all.
    if (!(outcome instanceof Promise))
      return outcome.ok ? this.createSession(id, transport, req, outcome, resumable) : this.refuse(res, outcome);
    const opening = outcome.then((settled) =>
      settled.ok ? this.createSession(id, transport, req, settled, resumable) : settled,
    );
    this.pending.set(id, opening);
    void opening.finally(() => this.pending.delete(id));
    return opening.then((result) => (result instanceof Session ? result : this.refuse(res, result)));
  }

  /** Answers a refused handshake, counted once per handshake (requests that joined it are not). */
  private refuse(res: ServerResponse, refusal: Refused): undefined {
    this.context.counters.refused(refusal.error, !this.accepting);
    return answerRefusal(res, refusal);
  }

  /** Why no new session may open now (shutting down, or `maxSessions` reached), if so. */
  admission(): SockJsError | undefined {
    if (!this.accepting) return new SockJsError('ERR_ENDPOINT_CLOSING');
    if (this.store.size + this.pending.size + this.upgrading >= this.options.maxSessions) {
      return new SockJsError('ERR_TOO_MANY_SESSIONS', `maxSessions ${this.options.maxSessions} reached`);
    }
    return undefined;
  }

  handshake(req: IncomingMessage, transport: TransportName): HandshakeOutcome | Promise<HandshakeOutcome> {
    return runHandshake(req, transport, this.options);
  }

  /** Holds a session slot while an upgrade's interceptors run; the returned function frees it. */
  reserve(): () => void {
    this.upgrading++;
    let held = true;
    return () => {
      if (held) this.upgrading--;
      held = false;
    };
  }

  /**
   * A websocket is open after a successful handshake: its session starts now, under an id of its
   * own — or, resumable (`?resume=new`), under the id in its URL, which its client comes back with.
   */
  opened(
    req: IncomingMessage,
    socket: TextSocket,
    transport: TransportName,
    outcome: Accepted,
    resumableId?: string,
  ): void {
    if (resumableId !== undefined && this.store.get(resumableId)) return closeWith(socket, Close.ANOTHER_CONNECTION);
    const id = resumableId ?? newSessionId();
    const init = sessionInit(id, transport, req, outcome, socket.protocol, resumableId !== undefined);
    if (transport === 'websocket-raw') {
      this.register(new RawSession(init, socket, this.context, this.options));
      return;
    }
    const session = new Session(init, this.context);
    this.register(session);
    session.attach(new WebSocketReceiver(socket, session, this.options));
  }

  /** `?resume=<count>` on a websocket: the session takes it up, or the client hears that it cannot. */
  resumed(req: IncomingMessage, socket: TextSocket, id: string, received: number): void {
    const found = this.find(id, req, 'websocket');
    if (found instanceof Session && found.resumable) {
      found.resumeWith(new WebSocketReceiver(socket, found, this.options), received);
      return;
    }
    closeWith(socket, Close.NOT_RESUMABLE);
  }

  /** A concurrent first request for an id whose handshake was under way. */
  private joined(
    result: Session | HandshakeOutcome,
    transport: TransportName,
    req: IncomingMessage,
    res: ServerResponse,
  ): Session | undefined {
    if (!(result instanceof Session)) return result.ok ? undefined : answerRefusal(res, result);
    // Another client does not get to share the new session.
    if (admits(result, req, transport, this.options.sessionBinding)) return result;
    return answerRefusal(res, refusedWith(new SockJsError('ERR_SESSION_NOT_FOUND')));
  }

  private createSession(
    id: string,
    transport: TransportName,
    req: IncomingMessage,
    outcome: Accepted,
    resumable: boolean,
  ): Session {
    const session = new Session(sessionInit(id, transport, req, outcome, '', resumable), this.context);
    this.register(session);
    return session;
  }

  private register(session: ManagedSession): void {
    this.store.add(session);
    this.wheel.schedule(session, session.nextDue());
  }
}

function sessionInit(
  id: string,
  transport: TransportName,
  req: IncomingMessage,
  outcome: Accepted,
  protocol: string,
  resumable: boolean,
): SessionInit {
  return {
    id,
    transport,
    remoteAddress: req.socket.remoteAddress ?? '',
    headers: req.headers,
    attributes: outcome.attributes,
    principal: outcome.principal,
    protocol,
    ...(resumable && { resumable }),
  };
}

/**
 * A websocket that gets one close frame (`c[2010,…]`, `c[2011,…]`) instead of a session. Those SockJS
 * codes are not websocket close codes: the websocket itself closes normally.
 */
function closeWith(socket: TextSocket, info: CloseInfo): void {
  socket.send(closeFrame(info.code, info.reason));
  socket.close(Close.NORMAL.code, Close.NORMAL.reason);
}

function refusedWith(error: SockJsError): Refused {
  return { ok: false, error, status: error.status, body: error.body };
}

function answerRefusal(res: ServerResponse, refusal: Refused): undefined {
  if (res.headersSent) return undefined;
  res.setHeader('Content-Length', Buffer.byteLength(refusal.body));
  // 503 (closing, or full): no keep-alive, so the client's next attempt may reach another node.
  if (refusal.status === 503) res.setHeader('Connection', 'close');
  res.writeHead(refusal.status);
  res.end(refusal.body);
  return undefined;
}

/** Random bytes for websocket session ids, filled 256 ids at a time: one system call, not one per session. */
const idPool = Buffer.allocUnsafe(16 * 256);
let idOffset = idPool.length;

/** A websocket session's id (it has none in its URL): 128 random bits, as a flat string. */
function newSessionId(): string {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  idOffset += 16;
  return idPool.toString('base64url', idOffset - 16, idOffset);
}
