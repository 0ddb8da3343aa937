import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import express, { type Express } from 'express';
import session, { type Store } from 'express-session';
import type { ClusterBus } from '../server/cluster';
import {
  WebSocketHandlerRegistry,
  exceptionHandling,
  httpSessionInterceptor,
  type HandshakeInterceptor,
  type Principal,
  type SockJsHandler,
} from '../server';

/** What the login route keeps in the HTTP session. */
interface DemoUser {
  name: string;
}

declare module 'express-session' {
  interface SessionData {
    user: DemoUser;
  }
}

/** Refuses the handshake (401, on every transport) unless the HTTP session has a logged-in user. */
const requireLogin: HandshakeInterceptor = {
  beforeHandshake: ({ attributes }) => (attributes.has('user') ? true : { status: 401, body: 'Log in first.' }),
};

function userOf(attributes: Map<string, unknown>): Principal | undefined {
  const user = attributes.get('user') as Partial<DemoUser> | undefined;
  return typeof user?.name === 'string' ? { name: user.name } : undefined;
}

/** `/secure`: greets its user and echoes with the user's name. */
const secureHandler: SockJsHandler = {
  onOpen(s) {
    s.send(`hello ${s.principal?.name ?? '?'}`);
  },
  onMessage(s, message) {
    s.send(`${s.principal?.name ?? '?'}: ${message}`);
  },
};

/** `/ws`: a plain websocket chat echo; says which sub-protocol was agreed. */
const chatHandler: SockJsHandler = {
  onOpen(s) {
    s.send(`protocol ${s.protocol || 'none'}`);
  },
  onMessage(s, message) {
    s.send(s.protocol === 'v2.chat' ? JSON.stringify({ echo: message }) : message);
  },
  onBinaryMessage(s, data) {
    s.sendBinary(data);
  },
};

/**
 * The Spring-model part of the demo: `POST /login` and `POST /logout` (express-session),
 * `/secure` (SockJS, logged-in users only), `POST /notify` (to every `/secure` session of `user`,
 * or of everyone), and `/ws` (plain websocket, sub-protocols v1.chat and v2.chat). In a cluster,
 * `sessions` (a store and signing secret every node shares) makes a login on one node hold on all.
 */
export function mountSpringDemo(
  app: Express,
  server: Server,
  allowedOrigins: readonly string[] = [],
  cluster?: ClusterBus,
  sessions?: { readonly store: Store; readonly secret: string },
): WebSocketHandlerRegistry {
  const sessionMiddleware = session({
    ...(sessions ? { store: sessions.store } : {}),
    secret: sessions?.secret ?? process.env.SESSION_SECRET ?? randomBytes(16).toString('hex'),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' },
  });
  // Only the routes that need them: the test services stay untouched.
  app.use(['/login', '/logout', '/secure'], sessionMiddleware);
  app.use(
    ['/login', '/notify'],
    express.urlencoded({ extended: false, limit: '16kb' }),
    express.json({ limit: '16kb' }),
  );

  const registry = new WebSocketHandlerRegistry();
  const secure = registry
    .addHandler(secureHandler, '/secure')
    .addInterceptors(httpSessionInterceptor({ sessionMiddleware }), requireLogin)
    .setPrincipalResolver(({ attributes }) => userOf(attributes))
    .setAllowedOrigins(...allowedOrigins)
    .addDecorators(exceptionHandling())
    .withSockJS();
  if (cluster) secure.setCluster(cluster);
  registry
    .addHandler(chatHandler, '/ws')
    .setSubprotocols('v1.chat', 'v2.chat')
    .setAllowedOrigins(...allowedOrigins);

  app.post('/login', (req, res) => {
    const name = typeof req.body?.user === 'string' ? req.body.user.trim() : '';
    if (!/^[\w.-]{1,64}$/.test(name)) {
      res.status(400).type('text').send('user must be 1-64 letters, digits, _ . -');
      return;
    }
    req.session.regenerate((error) => {
      if (error) return void res.status(500).type('text').send('session error');
      req.session.user = { name };
      res.status(204).end();
    });
  });
  app.post('/logout', (req, res) => {
    req.session.destroy(() => res.status(204).end());
  });
  app.post('/notify', (req, res) => {
    const message = typeof req.body?.message === 'string' ? req.body.message : undefined;
    if (message === undefined) {
      res.status(400).type('text').send('message (string) required');
      return;
    }
    const endpoint = registry.endpoint('/secure');
    const user = typeof req.body?.user === 'string' ? req.body.user : undefined;
    const delivered = user === undefined ? endpoint.broadcast(message) : endpoint.sendToUser(user, message);
    res.json({ delivered });
  });
  registry.mount(app, server);
  return registry;
}
