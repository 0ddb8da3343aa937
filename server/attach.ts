import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { owesContinue } from '../transports/http/body';
import { refuseUpgrade } from './refuse-upgrade';

/** An endpoint as the shared server listeners see it. */
export interface UpgradeClaimer {
  readonly prefix: string;
  /** Takes the upgrade if it is for one of the endpoint's websocket routes. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Whether the endpoint reads this request's body (xhr_send, jsonp_send). */
  readsBody(req: IncomingMessage): boolean;
  /** Reports an error on an upgrade socket nobody else listens to. */
  socketError(error: Error): void;
}

interface Attachment {
  /** Longest prefix first, so nested endpoints (`/a/b` inside `/a`) get their own upgrades. */
  claimers: UpgradeClaimer[];
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  checkContinue: (req: IncomingMessage, res: ServerResponse) => void;
}

const attachments = new WeakMap<Server, Attachment>();

/**
 * One `upgrade` listener per server for all our endpoints. An upgrade no endpoint claims is left
 * to the server's other `upgrade` listeners; when there are none it is answered 404, so that it
 * does not hang.
 */
function upgradeListener(server: Server, claimers: UpgradeClaimer[]): Attachment['upgrade'] {
  return (req, socket, head) => {
    if (claimers.some((c) => c.handleUpgrade(req, socket, head))) return;
    if (server.listenerCount('upgrade') === 1) {
      // The HTTP server no longer listens for errors on an upgraded socket: a reset would crash.
      const reporter = claimers[0];
      socket.on('error', (error: Error) => reporter?.socketError(error));
      refuseUpgrade(socket, 404);
    }
  };
}

/**
 * One `checkContinue` listener per server. Without one, Node answers `100 Continue` to every
 * `Expect: 100-continue` request before any handler sees it, so a body over `maxRequestBytes` (or
 * for an unknown session) is invited before it is refused. For a body one of our endpoints reads,
 * the `100 Continue` waits until the endpoint has checked the request; every other request gets it
 * at once, as Node would have sent it. Both then go the normal way, through 'request' (and so
 * through whatever middleware comes before the endpoint). A server with its own `checkContinue`
 * listener keeps routing those requests itself.
 */
function checkContinueListener(server: Server, claimers: UpgradeClaimer[]): Attachment['checkContinue'] {
  const listener: Attachment['checkContinue'] = (req, res) => {
    if (server.listeners('checkContinue').some((other) => other !== listener)) return;
    if (claimers.some((c) => c.readsBody(req))) owesContinue(req);
    else res.writeContinue();
    server.emit('request', req, res);
  };
  return listener;
}

/**
 * Takes the server's websocket upgrades and `Expect: 100-continue` requests for `claimer`, shared
 * with the other endpoints attached to the same server. Returns a function that detaches again.
 */
export function attachUpgrades(server: Server, claimer: UpgradeClaimer): () => void {
  let attachment = attachments.get(server);
  if (!attachment) {
    const claimers: UpgradeClaimer[] = [];
    attachment = {
      claimers,
      upgrade: upgradeListener(server, claimers),
      checkContinue: checkContinueListener(server, claimers),
    };
    attachments.set(server, attachment);
    server.on('upgrade', attachment.upgrade);
    server.on('checkContinue', attachment.checkContinue);
  }
  const { claimers } = attachment;
  claimers.push(claimer);
  claimers.sort((a, b) => b.prefix.length - a.prefix.length);
  let detached = false;
  return () => {
    // Idempotent: a second call must not detach an attachment made since for another endpoint.
    if (detached) return;
    detached = true;
    const index = claimers.indexOf(claimer);
    if (index !== -1) claimers.splice(index, 1);
    if (claimers.length === 0 && attachments.get(server) === attachment) {
      const { upgrade, checkContinue } = attachment;
      server.off('upgrade', upgrade);
      server.off('checkContinue', checkContinue);
      attachments.delete(server);
    }
  };
}
