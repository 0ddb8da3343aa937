import type { Logger } from '../handler';
import type { StompEventListener, StompEventName, StompEvents } from './types';

/**
 * The STOMP server's session events. A listener that throws or rejects is logged, never allowed to
 * break the session that caused the event.
 */
export class StompEventBus {
  private readonly listeners = new Map<StompEventName, Set<StompEventListener<StompEventName>>>();

  constructor(private readonly logger: Logger) {}

  on<Name extends StompEventName>(name: Name, listener: StompEventListener<Name>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const stored = listener as StompEventListener<StompEventName>;
    set.add(stored);
    return () => set.delete(stored);
  }

  emit<Name extends StompEventName>(name: Name, event: StompEvents[Name]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.failed(name, error));
      } catch (error) {
        this.failed(name, error);
      }
    }
  }

  private failed(name: StompEventName, error: unknown): void {
    this.logger.error({ err: error, event: name }, 'STOMP event listener failed');
  }
}
