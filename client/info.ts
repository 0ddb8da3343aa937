/**
 * `GET <base>/info`: whether the server offers websocket, and the round trip it took, from which the
 * transports' open timeouts follow (as in sockjs-client: an RTO after RFC 2988, times the
 * transport's round trips).
 */
import type { ResumeOffer } from '../protocol/resume';
import { platform, startTimer, cancelTimer } from './platform';
import { readOffer } from './resume';

export interface ServerInfo {
  /** False when the server says it has no websocket transport. */
  readonly websocket: boolean;
  /** Round-trip timeout estimated from the /info request, in ms. */
  readonly rto: number;
  /** The resume extension, when the server offers it. */
  readonly resume?: ResumeOffer | undefined;
}

/** The round trips every transport needs to open (a preflight and the request, for the HTTP ones). */
export const OPEN_ROUND_TRIPS = 2;

/**
 * RTO from one RTT. Below 100 ms (a local network) a fixed 300 ms margin is added rather than
 * multiplying, so that a fast server does not get a timeout too short for a busy event loop.
 */
export function roundTripTimeout(rtt: number): number {
  return rtt > 100 ? 4 * rtt : 300 + rtt;
}

/** Fetches /info within `timeoutMs`; rejects on a network error, a non-200 answer, a body that is not an object, or the timeout. */
export async function fetchInfo(baseUrl: string, query: string, timeoutMs: number): Promise<ServerInfo> {
  const controller = new (platform().AbortController)();
  const timer = startTimer(timeoutMs, () => controller.abort());
  const started = Date.now();
  try {
    const response = await platform().fetch(`${baseUrl}/info${query}`, { method: 'GET', signal: controller.signal });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`/info answered ${response.status}`);
    const info: unknown = JSON.parse(body);
    if (typeof info !== 'object' || info === null) throw new Error('/info is not a JSON object');
    const websocket = (info as { websocket?: unknown }).websocket !== false;
    return { websocket, rto: roundTripTimeout(Date.now() - started), resume: readOffer(info) };
  } finally {
    cancelTimer(timer);
  }
}
