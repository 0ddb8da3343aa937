import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { acceptHixie76, isHixie76 } from '../transports/hixie76';
import { sockjsFrameLimit } from '../transports/message-size';
import { WsTextSocket, type TextSocket } from '../transports/text-socket';
import { RESUME_MIN_ID_LENGTH, RESUME_NEW, resumeParameter, SockJsError, type TransportName } from '../protocol';
import { splitUrl } from './router';
import type { HandshakeOutcome } from './handshake';
import type { OriginPolicy } from './http/origin';
import type { ResolvedOptions } from './options';
import type { EndpointCounters } from './stats';
import { refuseUpgrade, refuseWithError } from './refuse-upgrade';

/** What websocket upgrades need from their endpoint. */
export interface UpgradeHost {
  readonly options: ResolvedOptions;
  readonly origins: OriginPolicy;
  readonly counters: EndpointCounters;
  /** False once the endpoint is closing (its refusals are counted apart from `maxSessions`). */
  readonly accepting: boolean;
  /** Why no new session may open now, if so. */
  admission(): SockJsError | undefined;
  /** Holds a session slot while an async handshake runs; call the result to free it. */
  reserve(): () => void;
  handshake(req: IncomingMessage, transport: TransportName): HandshakeOutcome | Promise<HandshakeOutcome>;
  /** A websocket is open after a successful handshake. */
  opened(
    req: IncomingMessage,
    socket: TextSocket,
    transport: TransportName,
    outcome: HandshakeOutcome & { ok: true },
    resumableId?: string,
  ): void;
  /** `?resume=<count>`: a websocket for a resumable session (docs/resume.md). */
  resumed(req: IncomingMessage, socket: TextSocket, id: string, received: number): void;
}

/**
 * Turns upgrade requests into sessions: origin policy, handshake interceptors, sub-protocol
 * choice, then `ws` (or the hixie-76 handshake for the SockJS transport's oldest clients).
 */
export class WebSocketUpgrades {
  private readonly wss: WebSocketServer;

  constructor(private readonly host: UpgradeHost) {
    const { options } = host;
    const supported = options.subprotocols;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      // SockJS frames carry JSON-escaped messages; the message limit itself is checked per message.
      maxPayload: options.sockjs
        ? sockjsFrameLimit(options.maxTextMessageBytes)
        : Math.max(options.maxTextMessageBytes, options.maxBinaryMessageBytes),
      // The first protocol in the client's list that the endpoint supports, as Spring picks it.
      handleProtocols: (offered) => [...offered].find((protocol) => supported.includes(protocol)) ?? false,
    });
  }

  /** `raw`: a plain websocket (no SockJS framing). `sessionId`: the one in a SockJS websocket's URL. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, raw: boolean, sessionId?: string): void {
    const { options, origins } = this.host;
    if (!options.websocket) return refuseWithError(socket, new SockJsError('ERR_NOT_FOUND'));
    const resume = raw || options.resumeWindow === 0 ? undefined : resumeParameter(splitUrl(req.url ?? '/').query);
    // Taking a session up again opens none: neither the session limit nor a shutdown keeps it out.
    const full = typeof resume === 'number' ? undefined : this.host.admission();
    if (full) return this.refuse(socket, full);
    if (req.method !== 'GET') return refuseUpgrade(socket, 405, '', { Allow: 'GET' });
    if (!atLeastHttp11(req)) return refuseWithError(socket, new SockJsError('ERR_UPGRADE_HTTP_VERSION'));
    if (!origins.allows(req)) return this.refuse(socket, new SockJsError('ERR_ORIGIN_NOT_ALLOWED'));
    const hixie = !raw && isHixie76(req);
    const problem =
      (resume === undefined ? undefined : resumeProblem(resume, hixie, sessionId)) ?? hixieOr(req, raw, hixie);
    if (problem) return refuseWithError(socket, problem);
    if (typeof resume === 'number') {
      const id = sessionId as string;
      return this.wss.handleUpgrade(req, socket, head, (ws) =>
        this.host.resumed(req, new WsTextSocket(ws, socket), id, resume),
      );
    }
    const resumableId = resume === RESUME_NEW ? sessionId : undefined;
    const transport: TransportName = raw ? 'websocket-raw' : 'websocket';
    const outcome = this.host.handshake(req, transport);
    if (!(outcome instanceof Promise)) return this.complete(req, socket, head, transport, hixie, outcome, resumableId);
    const release = this.host.reserve();
    outcome.then(
      (settled) => {
        release();
        // The limit again: the interceptors may have let others in meanwhile.
        const full = settled.ok ? this.host.admission() : undefined;
        if (full) return this.refuse(socket, full);
        this.complete(req, socket, head, transport, hixie, settled, resumableId);
      },
      (error: unknown) => {
        release();
        this.host.counters.refusedOther++;
        options.logger.error({ err: error }, 'websocket handshake failed');
        socket.destroy();
      },
    );
  }

  private complete(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    transport: TransportName,
    hixie: boolean,
    outcome: HandshakeOutcome,
    resumableId: string | undefined,
  ): void {
    if (!outcome.ok) {
      this.host.counters.refused(outcome.error, false);
      return refuseUpgrade(socket, outcome.status, outcome.body);
    }
    if (socket.destroyed) return;
    if (hixie) return this.acceptHixie(req, socket, head, outcome);
    this.wss.handleUpgrade(req, socket, head, (ws) =>
      this.host.opened(req, new WsTextSocket(ws, socket), transport, outcome, resumableId),
    );
  }

  private acceptHixie(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    outcome: HandshakeOutcome & { ok: true },
  ): void {
    const limit = sockjsFrameLimit(this.host.options.maxTextMessageBytes);
    const ready = (text: TextSocket): void => this.host.opened(req, text, 'websocket', outcome);
    if (!acceptHixie76(req, socket, head, limit, ready)) refuseWithError(socket, new SockJsError('ERR_NOT_WEBSOCKET'));
  }

  /** A refusal the stats count (origin, session limit, shutdown), answered with its error. */
  private refuse(socket: Duplex, error: SockJsError): void {
    this.host.counters.refused(error, !this.host.accepting);
    refuseWithError(socket, error);
  }

  close(): void {
    this.wss.close();
  }
}

/**
 * RFC 6455 §4.1 (and hixie-76 alike): the opening handshake is an HTTP/1.1 request. Node hands an
 * HTTP/1.0 request with upgrade headers to the upgrade listener all the same, and `ws` would answer
 * 101 to it; an HTTP/1.0 hop (an old proxy) between us and the client cannot carry the upgraded
 * connection, so it is refused like any other invalid handshake.
 */
function atLeastHttp11(req: IncomingMessage): boolean {
  return req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1);
}

/** What the upgrade checks of a hixie-76 request are left to its own handshake. */
function hixieOr(req: IncomingMessage, raw: boolean, hixie: boolean): SockJsError | undefined {
  return hixie ? undefined : upgradeProblem(req, raw);
}

/** Why a websocket's `resume` parameter cannot be taken (docs/resume.md), if so. */
function resumeProblem(
  resume: 'new' | number | 'invalid',
  hixie: boolean,
  sessionId: string | undefined,
): SockJsError | undefined {
  const invalid = (why: string): SockJsError => new SockJsError('ERR_RESUME_INVALID', why);
  if (resume === 'invalid') return invalid('resume=new or a count');
  if (hixie || sessionId === undefined) return invalid('not on this websocket');
  if (resume === RESUME_NEW && sessionId.length < RESUME_MIN_ID_LENGTH)
    return invalid(`session id under ${RESUME_MIN_ID_LENGTH} characters`);
  return undefined;
}

/** Why an upgrade request cannot be a websocket for us, checked before `ws` sees it. */
export function upgradeProblem(req: IncomingMessage, raw: boolean): SockJsError | undefined {
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return new SockJsError('ERR_NOT_WEBSOCKET');
  const version = req.headers['sec-websocket-version'];
  if (raw && version !== '8' && version !== '13') return new SockJsError('ERR_WEBSOCKET_VERSION');
  return undefined;
}
