import type { SockJsHandler, SockJsSession } from '../handler';

/** How a session looks through a decorated handler: the object its callbacks are given. */
export type SessionView = (session: SockJsSession) => SockJsSession;

/**
 * Plumbing between decorators and the endpoint, kept off the application's handler interface:
 * a decorator that wraps sessions (`sendLimits`) records here how, so that sends starting outside a
 * callback (`broadcast`, `sendTo`, `sendToUser`) pass through the same wrapper.
 */
const views = new WeakMap<SockJsHandler, SessionView>();

/** Records that `handler`'s callbacks see sessions as `view` makes them. */
export function setSessionView(handler: SockJsHandler, view: SessionView): void {
  views.set(handler, view);
}

/** How `handler` sees sessions; undefined when it sees them as they are. */
export function sessionViewOf(handler: SockJsHandler): SessionView | undefined {
  return views.get(handler);
}

/** `outer` wraps `inner` without wrapping sessions itself: it sees them as `inner` does. */
export function inheritSessionView(outer: SockJsHandler, inner: SockJsHandler): void {
  const view = views.get(inner);
  if (view && !views.has(outer)) views.set(outer, view);
}
