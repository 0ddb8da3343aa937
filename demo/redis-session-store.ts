/**
 * The demo's HTTP sessions in Redis, for `npm start` with `REDIS_URL`: behind a load balancer a
 * `POST /login` may reach one node and the `/secure` SockJS session another, so every node must see
 * the same logins. An express-session Store on node-redis: one key per session
 * (`demo:session:{sid}`, JSON, expiring with the cookie or after a day). The cookie's signing secret
 * is shared too: `SESSION_SECRET`, or one random secret the first node writes to Redis for the others.
 */
import { randomBytes } from 'node:crypto';
import { Store, type SessionData } from 'express-session';
import { createClient, type RedisClientType } from 'redis';

const DAY_MS = 86_400_000;

export class RedisSessionStore extends Store {
  constructor(private readonly client: RedisClientType) {
    super();
  }

  private key(sid: string): string {
    return `demo:session:${sid}`;
  }

  /** The session's life in Redis: until its cookie expires, else a day. */
  private ttl(session: SessionData): number {
    const expires = session.cookie?.expires;
    const left = expires ? new Date(expires).getTime() - Date.now() : DAY_MS;
    return Math.max(1, Math.round(left));
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.client.get(this.key(sid)).then(
      (raw) => callback(null, raw === null ? null : (JSON.parse(raw) as SessionData)),
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    const expiration = { type: 'PX', value: this.ttl(session) } as const;
    this.client.set(this.key(sid), JSON.stringify(session), { expiration }).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.client.del(this.key(sid)).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override touch(sid: string, session: SessionData, callback?: () => void): void {
    this.client.pExpire(this.key(sid), this.ttl(session)).then(
      () => callback?.(),
      () => callback?.(),
    );
  }
}

/** What the demo's sessions need in a cluster: the store, the shared secret, and the client to close. */
export interface SharedSessions {
  readonly store: RedisSessionStore;
  readonly secret: string;
  close(): Promise<void>;
}

export async function sharedSessions(url: string): Promise<SharedSessions> {
  const client: RedisClientType = createClient({ url });
  client.on('error', (error: Error) => console.warn(`session store: ${error.message}`));
  await client.connect();
  const secret = process.env.SESSION_SECRET ?? (await sharedSecret(client));
  return {
    store: new RedisSessionStore(client),
    secret,
    close: async () => {
      if (client.isOpen) await client.close();
    },
  };
}

/** The first node to ask writes a random secret; every node then reads the same one. */
async function sharedSecret(client: RedisClientType): Promise<string> {
  await client.set('demo:session-secret', randomBytes(32).toString('hex'), { condition: 'NX' });
  const secret = await client.get('demo:session-secret');
  if (secret === null) throw new Error('session store: the shared secret vanished from Redis');
  return secret;
}
