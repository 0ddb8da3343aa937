import type { CloseInfo, SockJsSession } from '../handler';

/** A session the endpoint can end on shutdown. */
export interface ManagedSession extends SockJsSession {
  terminate(info: CloseInfo): void;
}

/** The sessions of one endpoint (never shared between endpoints or servers). */
export class SessionStore {
  private readonly sessions = new Map<string, ManagedSession>();

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): ManagedSession | undefined {
    return this.sessions.get(id);
  }

  add(session: ManagedSession): void {
    this.sessions.set(session.id, session);
  }

  /** Removes the session, unless its id already belongs to a newer one. */
  remove(session: SockJsSession): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
  }

  values(): IterableIterator<ManagedSession> {
    return this.sessions.values();
  }
}
