import { headerValue, SockJsError, type StompFrame } from '../../../protocol';
import type { Logger } from '../../handler';
import type { AppRoutes } from '../connection/host';
import type { Subscription } from '../connection/subscription';
import { fromBody } from '../payload';
import { prefixOf } from '../prefixes';
import type { MappingOptions, MessageExceptionHandler, MessageHandler, StompMessage, StompSession } from '../types';
import { compileTemplate, type PathTemplate } from './path-template';

/** Where replies go: the server's publishing side, as the app router needs it. */
export interface ReplySender {
  /** To a broker (or `/user/{name}/…`) destination. */
  toDestination(destination: string, payload: unknown): void;
  /** To `destination` under the user prefix, on every session of the sender's user or the sender's alone. */
  toUser(session: StompSession, destination: string, payload: unknown, broadcast: boolean): void;
  /** Straight to one subscription (a subscribe mapping's reply). */
  toSubscription(subscription: Subscription, destination: string, payload: unknown): void;
}

interface Route {
  readonly template: PathTemplate;
  readonly handler: MessageHandler;
  readonly reply: Reply;
}

type Reply =
  | { readonly to: 'destination'; readonly template: PathTemplate | undefined }
  | { readonly to: 'user'; readonly destination: string; readonly broadcast: boolean };

export interface ExceptionRoute {
  readonly handler: MessageExceptionHandler;
  readonly destination: string;
  readonly broadcast: boolean;
}

/**
 * The application destinations: `messageMapping` (Spring's `@MessageMapping`) and `subscribeMapping`
 * (`@SubscribeMapping`) handlers, matched in the order they were added. A handler's return value is
 * the reply; its error goes to the exception handler, or becomes the sender's ERROR frame.
 */
export class AppRouter implements AppRoutes {
  private readonly messageRoutes: Route[] = [];
  private readonly subscribeRoutes: Route[] = [];
  private exceptionRoute: ExceptionRoute | undefined;

  constructor(
    private readonly prefixes: readonly string[],
    /** Where a reply goes by default: this prefix + the path (Spring's default `@SendTo`). */
    private readonly defaultReplyPrefix: string | undefined,
    private readonly userDestinations: boolean,
    private readonly replies: ReplySender,
    private readonly logger: Logger,
  ) {}

  handles(destination: string): boolean {
    return prefixOf(destination, this.prefixes) !== undefined;
  }

  addMessageMapping(pattern: string, handler: MessageHandler, options: MappingOptions = {}): void {
    this.messageRoutes.push({
      template: compileTemplate(pattern),
      handler: checkHandler(handler),
      reply: this.replyOf(pattern, options),
    });
  }

  addSubscribeMapping(pattern: string, handler: MessageHandler): void {
    this.subscribeRoutes.push({
      template: compileTemplate(pattern),
      handler: checkHandler(handler),
      reply: { to: 'destination', template: undefined },
    });
  }

  setExceptionHandler(handler: MessageExceptionHandler, destination = '/queue/errors', broadcast = false): void {
    if (!this.userDestinations) {
      throw new SockJsError(
        'ERR_INVALID_OPTION',
        "messageExceptionHandler replies to the sender's user: userPrefix is false",
      );
    }
    this.exceptionRoute = { handler: checkHandler(handler), destination, broadcast };
  }

  async send(frame: StompFrame, session: StompSession): Promise<void> {
    const { route, message } = this.resolve(this.messageRoutes, frame, session, 'messageMapping');
    const result = await this.run(route, message);
    if (result === undefined) return;
    const { reply } = route;
    if (reply.to === 'user') this.replies.toUser(session, reply.destination, result, reply.broadcast);
    else
      this.replies.toDestination(
        reply.template ? reply.template.fill(message.variables) : this.defaultReply(message),
        result,
      );
  }

  async subscribe(frame: StompFrame, session: StompSession, subscription: Subscription): Promise<void> {
    const { route, message } = this.resolve(this.subscribeRoutes, frame, session, 'subscribeMapping');
    const result = await this.run(route, message);
    if (result !== undefined) this.replies.toSubscription(subscription, message.destination, result);
  }

  private resolve(
    routes: readonly Route[],
    frame: StompFrame,
    session: StompSession,
    kind: string,
  ): { route: Route; message: StompMessage } {
    const destination = headerValue(frame, 'destination') as string;
    const prefix = prefixOf(destination, this.prefixes) as string;
    const path = destination.slice(prefix.length) || '/';
    for (const route of routes) {
      const variables = route.template.match(path);
      if (variables === undefined) continue;
      const headers = firstValues(frame);
      const payload = fromBody(frame.body, headers['content-type']);
      return { route, message: { destination, path, variables, headers, body: frame.body, payload, session } };
    }
    throw new SockJsError('ERR_STOMP_DESTINATION', `no ${kind} for ${destination}`);
  }

  /** The handler's result; its failure is the exception handler's (a reply), or an ERROR frame. */
  private async run(route: Route, message: StompMessage): Promise<unknown> {
    try {
      return await route.handler(message);
    } catch (error) {
      const exceptions = this.exceptionRoute;
      if (!exceptions) throw handlerFailure(error, message);
      this.logger.info(
        { err: error, destination: message.destination },
        'STOMP message handler failed; exception handler replies',
      );
      const reply = await exceptions.handler(error, message);
      if (reply !== undefined)
        this.replies.toUser(message.session, exceptions.destination, reply, exceptions.broadcast);
      return undefined;
    }
  }

  private defaultReply(message: StompMessage): string {
    if (this.defaultReplyPrefix === undefined) {
      throw new SockJsError(
        'ERR_STOMP_DESTINATION',
        `no topic prefix for the reply of ${message.destination}: give sendTo`,
      );
    }
    return this.defaultReplyPrefix + message.path;
  }

  private replyOf(pattern: string, options: MappingOptions): Reply {
    const { sendTo, sendToUser, broadcast } = options;
    if (sendTo !== undefined && sendToUser !== undefined) {
      throw new SockJsError('ERR_INVALID_OPTION', `messageMapping ${pattern}: sendTo or sendToUser, not both`);
    }
    if (sendToUser !== undefined) {
      if (!this.userDestinations)
        throw new SockJsError(
          'ERR_INVALID_OPTION',
          `messageMapping ${pattern}: sendToUser needs user destinations (userPrefix is false)`,
        );
      return { to: 'user', destination: sendToUser, broadcast: broadcast ?? true };
    }
    return { to: 'destination', template: sendTo === undefined ? undefined : compileTemplate(sendTo) };
  }
}

function checkHandler<T>(handler: T): T {
  if (typeof handler !== 'function')
    throw new SockJsError('ERR_INVALID_OPTION', 'a mapping handler must be a function');
  return handler;
}

function firstValues(frame: StompFrame): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of frame.headers) if (!(name in values)) values[name] = value;
  return values;
}

/** What the client is told: which destination failed, not the error's text (it may hold internals; it is logged). */
function handlerFailure(error: unknown, message: StompMessage): SockJsError {
  if (error instanceof SockJsError && error.code.startsWith('ERR_STOMP_')) return error;
  return new SockJsError('ERR_STOMP_HANDLER_FAILED', message.destination, { cause: error });
}
