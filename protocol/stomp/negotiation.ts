import { SockJsError } from '../errors';
import type { StompVersion } from './frame';
import { STOMP_VERSIONS } from './frame';

/**
 * The highest version both sides speak, from a CONNECT's `accept-version` (comma-separated); a
 * missing header means a 1.0 client (STOMP 1.2 §Protocol Negotiation). Undefined when none is shared:
 * the server answers with an ERROR frame then.
 */
export function negotiateVersion(
  acceptVersion: string | undefined,
  supported: readonly StompVersion[] = STOMP_VERSIONS,
): StompVersion | undefined {
  const offered = acceptVersion === undefined ? ['1.0'] : acceptVersion.split(',').map((version) => version.trim());
  let best: StompVersion | undefined;
  for (const version of supported) {
    if (offered.includes(version) && (best === undefined || Number(version) > Number(best))) best = version;
  }
  return best;
}

/** A `heart-beat` header: the sender can beat every `canSend` ms and wants one every `wantsToReceive` ms; 0 means never. */
export interface StompHeartBeat {
  readonly canSend: number;
  readonly wantsToReceive: number;
}

/** Parses `cx,cy` (two non-negative integers, ms); absent means `0,0`. Anything else is ERR_STOMP_MALFORMED. */
export function parseHeartBeat(header: string | undefined): StompHeartBeat {
  if (header === undefined) return { canSend: 0, wantsToReceive: 0 };
  const match = /^\s*(\d{1,9})\s*,\s*(\d{1,9})\s*$/.exec(header);
  if (match === null) {
    throw new SockJsError('ERR_STOMP_MALFORMED', `heart-beat ${JSON.stringify(header.slice(0, 64))} is not "cx,cy"`);
  }
  return { canSend: Number(match[1]), wantsToReceive: Number(match[2]) };
}

/** The agreed beat intervals in ms, 0 for none, for each direction. */
export interface StompHeartBeatAgreement {
  readonly clientToServer: number;
  readonly serverToClient: number;
}

/**
 * STOMP 1.2 §Heart-beating: a direction beats only if its sender can and its receiver wants it,
 * at the slower of the two wishes (the larger number).
 */
export function negotiateHeartBeat(client: StompHeartBeat, server: StompHeartBeat): StompHeartBeatAgreement {
  return {
    clientToServer: agreedInterval(client.canSend, server.wantsToReceive),
    serverToClient: agreedInterval(server.canSend, client.wantsToReceive),
  };
}

function agreedInterval(senderCan: number, receiverWants: number): number {
  return senderCan === 0 || receiverWants === 0 ? 0 : Math.max(senderCan, receiverWants);
}
