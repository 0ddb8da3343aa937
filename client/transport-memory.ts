/**
 * Which transport opened last for each base URL, in this page or process: tried first next time
 * (a reconnect, or a new socket to the same server), so that a network where websocket is blocked
 * does not pay websocket's timeout on every reconnect.
 */
import type { ClientTransportName } from './transport/types';

const lastWorked = new Map<string, ClientTransportName>();

export function rememberTransport(baseUrl: string, transport: ClientTransportName): void {
  lastWorked.set(baseUrl, transport);
}

/** `candidates` with the one that worked last for `baseUrl` moved to the front. */
export function preferRemembered(baseUrl: string, candidates: readonly ClientTransportName[]): ClientTransportName[] {
  const remembered = lastWorked.get(baseUrl);
  if (remembered === undefined || !candidates.includes(remembered)) return [...candidates];
  return [remembered, ...candidates.filter((name) => name !== remembered)];
}
