/**
 * Spring's `SimpMessagingTemplate`: sends from anywhere — an Express route, a timer — to broker and
 * user destinations. A string payload goes as `text/plain`, anything else as JSON; a `content-type`
 * in `headers` overrides that (then the payload must be a string already).
 */
export interface MessagingTemplate {
  /**
   * To a broker destination (`/topic/x`, `/queue/x`) or a user one (`/user/{name}/queue/x`).
   * Returns how many subscribers it reached now (a queue message kept for later counts 0). Throws
   * `ERR_STOMP_LIMIT` when a queue limit refuses the message, `ERR_STOMP_DESTINATION` for a
   * destination that is not a broker or user one.
   */
  convertAndSend(destination: string, payload: unknown, headers?: Readonly<Record<string, string>>): number;
  /** To `destination` (`/queue/x`) on every session of `user`; returns how many sessions. */
  convertAndSendToUser(
    user: string,
    destination: string,
    payload: unknown,
    headers?: Readonly<Record<string, string>>,
  ): number;
}
