/**
 * The client half of the resume extension (docs/resume.md): one resumable server session, what
 * this client has received of it, and what it sent that the server has not confirmed yet — sent
 * again, numbered, when a new connection takes the session up, so that nothing is lost and the
 * server can tell what it already has.
 */
import { encodeClientMessages } from '../protocol/frames';
import { encodeResumeBatch, RESUME_NEW, RESUME_PARAM, type ResumeOffer } from '../protocol/resume';

/** What `/info` offers, if it offers the extension in a version this client speaks. */
export function readOffer(info: unknown): ResumeOffer | undefined {
  const offer = (info as { resume?: Partial<ResumeOffer> }).resume;
  if (typeof offer !== 'object' || offer === null || offer.version !== 1) return undefined;
  const { window, maxBytes } = offer;
  return typeof window === 'number' && window > 0 && typeof maxBytes === 'number' && maxBytes > 0
    ? { version: 1, window, maxBytes }
    : undefined;
}

/** `query` (the base URL's, '' or `?…`) with the `resume` parameter added. */
export function withResume(query: string, value: string | number): string {
  return `${query}${query === '' ? '?' : '&'}${RESUME_PARAM}=${value}`;
}

/** The opening request's query: `resume=new`. */
export function openingQuery(query: string): string {
  return withResume(query, RESUME_NEW);
}

export class ResumableSession {
  /** Messages received from the server in all (what every receiving request says). */
  #received = 0;
  /** When the connection was lost; 0 while connected. */
  lostAt = 0;
  /** The number of `#unconfirmed[0]`: the messages the server has confirmed. */
  #confirmed = 0;
  #unconfirmed: string[] = [];
  /** Characters received since the server was last told: past an eighth of its bound, it is told. */
  #unacknowledged = 0;

  constructor(
    /** `<base>/<server>/<session>` of the session. */
    readonly sessionUrl: string,
    readonly offer: ResumeOffer,
  ) {}

  /** A message handed to a transport: kept until the server confirms it. */
  sent(message: string): void {
    this.#unconfirmed.push(message);
  }

  /** The server has `count` of this client's messages; out of range (a confused server) changes nothing. */
  confirm(count: number): void {
    const drop = count - this.#confirmed;
    if (drop <= 0 || drop > this.#unconfirmed.length) return;
    this.#unconfirmed.splice(0, drop);
    this.#confirmed = count;
  }

  /** What was sent and not confirmed, oldest first. */
  get unconfirmed(): readonly string[] {
    return this.#unconfirmed;
  }

  /** Takes them all (the session is gone: they go to the next one, or back to the caller). */
  takeUnconfirmed(): string[] {
    return this.#unconfirmed.splice(0);
  }

  /** A frame of messages arrived; true when the server should now be told (it keeps what it sent until told). */
  receivedFrame(messages: readonly string[]): boolean {
    this.#received += messages.length;
    for (const message of messages) this.#unacknowledged += message.length + 2;
    // A character is at most 3 UTF-8 bytes: an eighth of the bound in characters is under half of it in bytes.
    if (this.#unacknowledged < this.offer.maxBytes / 8) return false;
    this.#unacknowledged = 0;
    return true;
  }

  /** The receiving requests' query from now on: what has been received. */
  receiveQuery(query: string): string {
    this.#unacknowledged = 0;
    return withResume(query, this.#received);
  }

  /**
   * The encoder of one connection: its batches numbered from what the server had confirmed when
   * it started, each carrying what has been received; `delivered` counts what the server answered for.
   */
  encoder(): { encode: (messages: readonly string[]) => string; delivered: (count: number) => void } {
    let next = this.#confirmed;
    let answered = this.#confirmed;
    return {
      encode: (messages) => {
        const seq = next;
        next += messages.length;
        this.#unacknowledged = 0;
        return encodeResumeBatch(seq, this.#received, encodeClientMessages(messages));
      },
      delivered: (count) => this.confirm((answered += count)),
    };
  }
}
