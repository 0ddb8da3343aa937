import type { IncomingMessage } from 'node:http';
import { SockJsError, type TransportName } from '../protocol';
import type { Logger, Principal } from './handler';

/** What interceptors see of a handshake: the first request of a session, on any transport. */
export interface Handshake {
  readonly req: IncomingMessage;
  readonly transport: TransportName;
  /** Copied onto the session's `attributes` when the handshake succeeds. */
  readonly attributes: Map<string, unknown>;
}

/** A refusal: the HTTP status (and optional body) the handshake request is answered with. */
export interface HandshakeRefusal {
  status: number;
  body?: string;
}

/** `false` refuses with 403; a refusal object picks the status; anything else lets it through. */
export type HandshakeDecision = void | boolean | HandshakeRefusal;

/**
 * Spring's `HandshakeInterceptor`: runs once per session, before it exists, on the request that
 * opens it (whatever the transport); `afterHandshake` runs for every interceptor whose
 * `beforeHandshake` let the handshake through, in reverse order, with the error if it then failed.
 */
export interface HandshakeInterceptor {
  beforeHandshake?(handshake: Handshake): HandshakeDecision | Promise<HandshakeDecision>;
  afterHandshake?(handshake: Handshake, error?: Error): void;
}

/** Decides the session's user from its handshake (Spring's `determineUser`). */
export type PrincipalResolver = (handshake: Handshake) => Principal | undefined | Promise<Principal | undefined>;

export type HandshakeOutcome =
  | { ok: true; attributes: Map<string, unknown> | undefined; principal: Principal | undefined }
  | { ok: false; error: SockJsError; status: number; body: string };

export interface HandshakeSettings {
  readonly interceptors: readonly HandshakeInterceptor[];
  readonly principal: PrincipalResolver | undefined;
  readonly logger: Logger;
}

function refused(decision: HandshakeDecision): HandshakeRefusal | undefined {
  if (decision === false) return { status: 403 };
  if (typeof decision === 'object' && decision !== null) return decision;
  return undefined;
}

const PLAIN: HandshakeOutcome = { ok: true, attributes: undefined, principal: undefined };

/**
 * Runs the interceptors and the principal resolver for a new session; synchronous (and
 * allocation-free) when there are neither.
 */
export function runHandshake(
  req: IncomingMessage,
  transport: TransportName,
  settings: HandshakeSettings,
): HandshakeOutcome | Promise<HandshakeOutcome> {
  if (settings.interceptors.length === 0 && settings.principal === undefined) return PLAIN;
  return interceptedHandshake(req, transport, settings);
}

async function interceptedHandshake(
  req: IncomingMessage,
  transport: TransportName,
  settings: HandshakeSettings,
): Promise<HandshakeOutcome> {
  const handshake: Handshake = { req, transport, attributes: new Map() };
  const passed: HandshakeInterceptor[] = [];
  let failure: SockJsError | undefined;
  let refusal: HandshakeRefusal | undefined;
  let principal: Principal | undefined;
  try {
    for (const interceptor of settings.interceptors) {
      refusal = refused(await interceptor.beforeHandshake?.(handshake));
      if (refusal) break;
      passed.push(interceptor);
    }
    if (!refusal && settings.principal) principal = await settings.principal(handshake);
  } catch (error) {
    failure = new SockJsError('ERR_HANDSHAKE_FAILED', error instanceof Error ? error.message : String(error), {
      cause: error,
    });
    settings.logger.error({ err: failure, url: req.url }, failure.message);
  }
  if (refusal) failure = new SockJsError('ERR_HANDSHAKE_REFUSED', `status ${refusal.status}`);
  for (const interceptor of passed.reverse()) {
    try {
      interceptor.afterHandshake?.(handshake, failure);
    } catch (error) {
      settings.logger.error({ err: error, url: req.url }, 'afterHandshake threw');
    }
  }
  if (refusal) return { ok: false, error: failure as SockJsError, status: refusal.status, body: refusal.body ?? '' };
  if (failure) return { ok: false, error: failure, status: failure.status, body: failure.body };
  return { ok: true, attributes: handshake.attributes.size > 0 ? handshake.attributes : undefined, principal };
}
