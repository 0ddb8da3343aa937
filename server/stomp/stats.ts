import type { StompStats } from './types';

/** The STOMP server's counters, counted where things happen; `stats()` copies them. */
export class StompCounters {
  sessions = 0;
  connects = 0;
  disconnects = 0;
  subscriptions = 0;
  framesIn = 0;
  messagesOut = 0;
  errors = 0;
  slowSubscriberDrops = 0;
  slowSubscriberCloses = 0;
  heartBeatTimeouts = 0;

  snapshot(): StompStats {
    return { ...this };
  }
}
