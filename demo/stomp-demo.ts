/**
 * The STOMP part of `npm start`: the services of cli/stomp-services.ts (`/stomp`, `/stomp-ws`,
 * `POST /publish`), the chat page at `/stomp.html` and the stompjs bundle it loads.
 */
import { createServer, type Server } from 'node:http';
import express, { type Express } from 'express';
import type { SockJsEndpoint } from '../server';
import type { StompServer, StompServerOptions } from '../server/stomp';
import { STOMPJS_BUNDLE_URL, stompChatPage, stompjsBundle } from './stomp-page';
import { listen, mountStompServices, type RunningServices } from './test-services';

export const STOMP_CHAT_PATH = '/stomp.html';

export interface StompDemo {
  readonly stomp: StompServer;
  /** `/stomp` (SockJS) and `/stomp-ws`. */
  readonly endpoints: SockJsEndpoint[];
}

export function mountStompDemo(app: Express, server: Server, options: StompServerOptions = {}): StompDemo {
  const demo = mountStompServices(app, server, options);
  const sockjs = demo.endpoints.find((endpoint) => endpoint.prefix === '/stomp');
  const page = stompChatPage({ sockjsScriptUrl: sockjs?.clientScriptUrl ?? '' });
  const bundle = stompjsBundle();
  app.get(STOMP_CHAT_PATH, (_req, res) => {
    res.type('html').send(page);
  });
  app.get(STOMPJS_BUNDLE_URL, (_req, res) => {
    res.type('js').set('cache-control', 'public, max-age=3600').send(bundle);
  });
  return demo;
}

/** The STOMP demo alone on its own Express server (tests, the screenshot script). */
export async function startStompDemo(
  options: StompServerOptions = {},
  host = '127.0.0.1',
  port = 0,
): Promise<RunningServices & StompDemo> {
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const demo = mountStompDemo(app, server, options);
  const running = await listen(server, app, demo.endpoints, { host, port });
  return { ...running, stomp: demo.stomp };
}
