/**
 * Nodes of a cluster, in the test process: each one http server on 127.0.0.1 (a free port) with a
 * SockJS endpoint at /echo whose handler answers every message with `<node>:<message>`, so a
 * client can tell from each reply which node holds its session; every response also carries
 * `X-Node: <node>`, so a raw request can tell which node answered it. The nodes share nothing
 * (no cluster bus): a session exists on the node that opened it and nowhere else.
 */
import { createServer } from 'node:http';
import { createEndpoint, type EndpointOptions, type SockJsEndpoint } from '../../server';
import { RecordingLogger } from './logger';
import { listenTracked, type Listening } from './servers';

export const NODE_PREFIX = '/echo';

export interface TestNode {
  readonly name: string;
  readonly port: number;
  readonly endpoint: SockJsEndpoint;
  /** Ids of the sessions this node opened, in order. */
  readonly opened: string[];
  /** `<session id> <message>` for every message the handler got, in order. */
  readonly received: string[];
  /** Warnings of a node killed under its sessions stay here, off stderr. */
  readonly logger: RecordingLogger;
  /** The node dies: it stops listening and every connection it has is destroyed at once. */
  kill(): Promise<void>;
  /** After the tests: killed (if not yet), and its endpoint closed. */
  close(): Promise<void>;
}

export type NodeOptions = Omit<EndpointOptions, 'prefix' | 'handler' | 'logger'>;

/** Starts one node named `name` (the prefix of its replies and its `X-Node` header). */
export async function startNode(name: string, options: NodeOptions = {}): Promise<TestNode> {
  const opened: string[] = [];
  const received: string[] = [];
  const logger = new RecordingLogger();
  const endpoint = createEndpoint({
    allowedOrigins: ['*'],
    ...options,
    prefix: NODE_PREFIX,
    logger,
    handler: {
      onOpen: (session) => void opened.push(session.id),
      onMessage: (session, message) => {
        received.push(`${session.id} ${message}`);
        session.send(`${name}:${message}`);
      },
    },
  });
  const server = createServer((req, res) => {
    res.setHeader('X-Node', name);
    if (endpoint.handleRequest(req, res)) return;
    res.statusCode = 404;
    res.end();
  });
  endpoint.attach(server);
  const listening: Listening = await listenTracked(server);
  let killed: Promise<void> | undefined;
  const kill = (): Promise<void> => (killed ??= listening.close());
  return {
    name,
    port: listening.port,
    endpoint,
    opened,
    received,
    logger,
    kill,
    async close() {
      await kill();
      await endpoint.close({ flushTimeout: 0 });
    },
  };
}

/** The node a reply `<node>:<message>` came from. */
export function replyNode(reply: string): string {
  const colon = reply.indexOf(':');
  if (colon < 1) throw new Error(`not a node's reply: ${JSON.stringify(reply)}`);
  return reply.slice(0, colon);
}
