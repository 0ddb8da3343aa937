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

/** The sessions of one endpoint (never shared between endpoints or servers), indexed by user too. */
export class SessionStore {
  private readonly sessions = new Map<string, ManagedSession>();
  private readonly byUser = new Map<string, Set<ManagedSession>>();

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
    if (user === undefined) return;
    let sessions = this.byUser.get(user);
    if (!sessions) this.byUser.set(user, (sessions = new Set()));
    sessions.add(session);
  }

  /** Removes the session, unless its id already belongs to a newer one. */
  remove(session: SockJsSession): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    const user = session.principal?.name;
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
