/**
 * The ```ts blocks of a Markdown document, for the pack test to compile against the installed package.
 * A block that is a fragment says so just above its fence, naming what it assumes:
 * `<!-- fragment: app server chat -->`. It then gets the imports below and a declaration per name.
 */
export interface Block {
  /** e.g. README.md:74 */
  readonly where: string;
  readonly code: string;
  /** The names a fragment assumes; undefined for a complete program. */
  readonly assumes: readonly string[] | undefined;
}

const IMPORTS = `import { createServer } from 'node:http';
import express from 'express';
import session from 'express-session';
import {
  WebSocketHandlerRegistry,
  createEndpoint,
  decorate,
  exceptionHandling,
  httpSessionInterceptor,
  logging,
  perConnection,
  sendLimits,
  type HandshakeInterceptor,
  type Logger,
  type SockJsHandler,
} from 'sockjs-ts-server';
void [createServer, express, session, WebSocketHandlerRegistry, createEndpoint, decorate];
void [exceptionHandling, httpSessionInterceptor, logging, perConnection, sendLimits];
`;

/** What a fragment may assume, by name. */
const ASSUMED: Record<string, string> = {
  app: 'declare const app: express.Express;',
  server: "declare const server: import('node:http').Server;",
  registry: 'declare const registry: WebSocketHandlerRegistry;',
  chat: 'declare const chat: SockJsHandler;',
  chatHandler: 'declare const chatHandler: SockJsHandler;',
  feed: 'declare const feed: SockJsHandler;',
  feedHandler: 'declare const feedHandler: SockJsHandler;',
  requireLogin: 'declare const requireLogin: HandshakeInterceptor;',
  i: 'declare const i: HandshakeInterceptor;',
  sessionMiddleware: 'declare const sessionMiddleware: ReturnType<typeof session>;',
  secret: 'declare const secret: string;',
  logger: 'declare const logger: Logger;',
  log: 'declare const log: Logger;',
  pino: 'declare function pino(): Logger;',
  saveToDatabase: 'declare function saveToDatabase(message: string): Promise<void>;',
  audit: 'declare function audit(req: unknown, error: unknown): void;',
};

export function readmeBlocks(doc: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`${doc}:${i + 1}: the block is not closed`);
    const marker = /^<!-- fragment:([\w\s]*)-->$/.exec(lines[i - 1] ?? '');
    const assumes = marker?.[1]?.trim().split(/\s+/).filter(Boolean);
    for (const name of assumes ?? []) {
      if (!(name in ASSUMED)) throw new Error(`${doc}:${i + 1}: a fragment cannot assume "${name}"`);
    }
    blocks.push({ where: `${doc}:${i + 1}`, code: lines.slice(i + 1, end).join('\n'), assumes });
    i = end;
  }
  return blocks;
}

/** The block as a module of its own: a fragment with the imports and its assumed names first. */
export function sourceOf(block: Block): string {
  if (!block.assumes) return `${block.code}\nexport {};\n`;
  const declared = block.assumes.map((name) => ASSUMED[name]).join('\n');
  return `${IMPORTS}${declared}\n// ${block.where}\n${block.code}\nexport {};\n`;
}
