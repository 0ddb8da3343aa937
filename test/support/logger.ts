/** A pino-like Logger that records every call (and so keeps expected errors off stderr). */
import type { Logger } from '../../server';
import { Events } from './events';
import { DEFAULT_WAIT_MS } from './wait';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

export class RecordingLogger implements Logger {
  private readonly log = new Events<LogEntry>();

  readonly debug = (obj: object, msg?: string): void => this.record('debug', obj, msg);
  readonly info = (obj: object, msg?: string): void => this.record('info', obj, msg);
  readonly warn = (obj: object, msg?: string): void => this.record('warn', obj, msg);
  readonly error = (obj: object, msg?: string): void => this.record('error', obj, msg);

  /** Every call so far, in order. */
  get entries(): readonly LogEntry[] {
    return this.log.items;
  }

  /** The first entry matching `predicate`, waiting for it if need be. */
  waitFor(predicate: (entry: LogEntry) => boolean, what: string, ms = DEFAULT_WAIT_MS): Promise<LogEntry> {
    return this.log.waitFor(predicate, what, ms);
  }

  private record(level: LogEntry['level'], obj: object, msg: string | undefined): void {
    this.log.push({ level, obj: obj as Record<string, unknown>, msg });
  }
}
