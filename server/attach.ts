import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { refuseUpgrade } from './refuse-upgrade';

/** An endpoint as the shared upgrade listener sees it. */
export interface UpgradeClaimer {
  readonly prefix: string;
  /** Takes the upgrade if it is for one of the endpoint's websocket routes. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Reports an error on an upgrade socket nobody else listens to. */
  socketError(error: Error): void;
}

interface Attachment {
  /** Longest prefix first, so nested endpoints (`/a/b` inside `/a`) get their own upgrades. */
  claimers: UpgradeClaimer[];
  listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

const attachments = new WeakMap<Server, Attachment>();

/**
 * One `upgrade` listener per server for all our endpoints. An upgrade no endpoint claims is left
 * to the server's other `upgrade` listeners; when there are none it is answered 404, so that it
 * does not hang.
 */
export function attachUpgrades(server: Server, claimer: UpgradeClaimer): () => void {
  let attachment = attachments.get(server);
  if (!attachment) {
    const claimers: UpgradeClaimer[] = [];
    const listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (claimers.some((c) => c.handleUpgrade(req, socket, head))) return;
      if (server.listenerCount('upgrade') === 1) {
        // The HTTP server no longer listens for errors on an upgraded socket: a reset would crash.
        const reporter = claimers[0];
        socket.on('error', (error: Error) => reporter?.socketError(error));
        refuseUpgrade(socket, 404);
      }
    };
    attachment = { claimers, listener };
    attachments.set(server, attachment);
    server.on('upgrade', listener);
  }
  const { claimers } = attachment;
  claimers.push(claimer);
  claimers.sort((a, b) => b.prefix.length - a.prefix.length);
  return () => {
    const index = claimers.indexOf(claimer);
    if (index !== -1) claimers.splice(index, 1);
    if (claimers.length === 0) {
      server.off('upgrade', attachment.listener);
      attachments.delete(server);
    }
  };
}
