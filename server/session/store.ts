import type { CloseInfo } from '../../protocol';
import type { SockJsSession } from '../handler';
import type { Timed } from './timer-wheel';

const EMPTY: ReadonlySet<SockJsSession> = new Set();

/** A session the endpoint can end on shutdown. */
export interface ManagedSession extends SockJsSession, Timed {
  terminate(info: CloseInfo): void;
  /** When the session next has something due (see `Timed.sweep`). */
  nextDue(): number | undefined;
}

/** Told of sessions and users coming and going (the cluster bus: registry, user channels). */
export interface StoreObserver {
  sessionAdded(sessionId: string, user: string | undefined): void;
  sessionRemoved(sessionId: string, user: string | undefined): void;
}

/** The sessions of one endpoint (never shared between endpoints or servers), indexed by user too. */
export class SessionStore {
  private readonly sessions = new Map<string, ManagedSession>();
  private readonly byUser = new Map<string, Set<ManagedSession>>();

  constructor(private readonly observer?: StoreObserver) {}

  /** A live read-only view. */
  get all(): ReadonlyMap<string, SockJsSession> {
    return this.sessions;
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): ManagedSession | undefined {
    return this.sessions.get(id);
  }

  add(session: ManagedSession): void {
    this.sessions.set(session.id, session);
    const user = session.principal?.name;
    this.observer?.sessionAdded(session.id, user);
    if (user === undefined) return;
    let sessions = this.byUser.get(user);
    if (!sessions) this.byUser.set(user, (sessions = new Set()));
    sessions.add(session);
  }

  /** Removes the session, unless its id already belongs to a newer one. */
  remove(session: SockJsSession): void {
    const user = session.principal?.name;
    if (this.sessions.get(session.id) === session) {
      this.sessions.delete(session.id);
      this.observer?.sessionRemoved(session.id, user);
    }
    if (user === undefined) return;
    const sessions = this.byUser.get(user);
    if (!sessions) return;
    sessions.delete(session as ManagedSession);
    if (sessions.size === 0) this.byUser.delete(user);
  }

  /** The sessions of one user (empty when none). */
  ofUser(user: string): ReadonlySet<SockJsSession> {
    return this.byUser.get(user) ?? EMPTY;
  }

  values(): IterableIterator<ManagedSession> {
    return this.sessions.values();
  }
}
