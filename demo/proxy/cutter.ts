/**
 * A tiny TCP proxy (loopback) that can drop a chosen connection, the way a flaky network, a
 * restarted load balancer or a NAT that forgot a flow does. It forwards bytes untouched; for each
 * connection it notes the HTTP requests that went through it (request lines — HTTP/1.1 without
 * pipelining, so one exchange at a time) and what came back for each, so a scenario can pick
 * "the stream of session X" and cut it at the moment it wants.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { ChangeBus } from './wait';

/** One request on a connection and what came back for it so far. */
export interface Exchange {
  /** Order of arrival over all connections of the cutter. */
  readonly seq: number;
  /** `POST /resume/123/abcd/xhr_streaming` */
  readonly request: string;
  readonly method: string;
  readonly path: string;
  /** Bytes from upstream since this request went up. */
  downBytes: number;
  /** The first bytes of the response (status line, headers, the start of the body), latin1. */
  head: string;
  /** The last bytes of the response so far, latin1. */
  tail: string;
}

const HEAD_BYTES = 8192;
const TAIL_BYTES = 4096;
const REQUEST_LINE = /(GET|POST|OPTIONS|HEAD|PUT|DELETE) (\/\S*) HTTP\/1\.[01]\r\n/g;

export class CutterConnection {
  readonly exchanges: Exchange[] = [];
  /** Still open on both sides. */
  open = true;
  /** Ended by `cut()` (not by one of the peers). */
  wasCut = false;
  /** Unparsed end of what the client sent (a request line may be split over two chunks). */
  private upText = '';
  /** Armed by `cutOnDown`: the next matching chunk from upstream is swallowed and the connection cut. */
  private trigger: ((text: string) => boolean) | undefined;
  /** The chunk swallowed by `cutOnDown` (latin1). */
  swallowed: string | undefined;

  constructor(
    readonly id: number,
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly bus: ChangeBus,
    private readonly nextSeq: () => number,
  ) {}

  /** The exchange in progress (the last request seen). */
  get current(): Exchange | undefined {
    return this.exchanges[this.exchanges.length - 1];
  }

  /**
   * Drops the connection: both sockets destroyed at once, nothing more forwarded either way. The
   * client gets a FIN (everything it sent was read, so the kernel closes rather than resets), as
   * from a proxy process that went away; nginx behind sees its client gone.
   */
  cut(): void {
    if (!this.open) return;
    this.wasCut = true;
    this.client.destroy();
    this.upstream.destroy();
    this.closed();
  }

  /**
   * Cuts the connection when the next chunk from upstream for which `matches` holds arrives,
   * without forwarding it: the proxy dies with that data in its hands (lost in flight).
   */
  cutOnDown(matches: (text: string) => boolean): void {
    this.trigger = matches;
  }

  /** False when the chunk must not be forwarded (it triggered a cut). */
  forwardDown(chunk: Buffer): boolean {
    const trigger = this.trigger;
    if (trigger && trigger(chunk.toString('latin1'))) {
      this.trigger = undefined;
      this.swallowed = chunk.toString('latin1');
      this.cut();
      return false;
    }
    this.sawDown(chunk);
    return true;
  }

  closed(): void {
    if (!this.open) return;
    this.open = false;
    this.bus.changed();
  }

  sawUp(chunk: Buffer): void {
    this.upText = (this.upText + chunk.toString('latin1')).slice(-HEAD_BYTES);
    let consumed = 0;
    REQUEST_LINE.lastIndex = 0;
    for (let match = REQUEST_LINE.exec(this.upText); match; match = REQUEST_LINE.exec(this.upText)) {
      const method = match[1] ?? '';
      const path = match[2] ?? '';
      this.exchanges.push({
        seq: this.nextSeq(),
        request: `${method} ${path}`,
        method,
        path,
        downBytes: 0,
        head: '',
        tail: '',
      });
      consumed = REQUEST_LINE.lastIndex;
    }
    if (consumed > 0) {
      this.upText = this.upText.slice(consumed);
      this.bus.changed();
    }
  }

  sawDown(chunk: Buffer): void {
    const exchange = this.current;
    if (!exchange) return;
    const text = chunk.toString('latin1');
    exchange.downBytes += chunk.length;
    if (exchange.head.length < HEAD_BYTES) exchange.head += text.slice(0, HEAD_BYTES - exchange.head.length);
    exchange.tail = (exchange.tail + text).slice(-TAIL_BYTES);
    this.bus.changed();
  }
}

/** Listens on 127.0.0.1 and forwards every connection to `target` on 127.0.0.1. */
export class TcpCutter {
  readonly connections: CutterConnection[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private nextId = 1;
  private seq = 0;
  port = 0;

  private constructor(
    private readonly targetPort: number,
    private readonly bus: ChangeBus,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(targetPort: number, bus: ChangeBus): Promise<TcpCutter> {
    const cutter = new TcpCutter(targetPort, bus);
    await new Promise<void>((resolve, reject) => {
      cutter.server.once('error', reject);
      cutter.server.listen(0, '127.0.0.1', () => resolve());
    });
    cutter.port = (cutter.server.address() as AddressInfo).port;
    return cutter;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket): void {
    const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
    const connection = new CutterConnection(this.nextId++, client, upstream, this.bus, () => ++this.seq);
    this.connections.push(connection);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      // A peer's error (reset) is a close like any other here.
      socket.on('error', () => undefined);
      socket.once('close', () => {
        this.sockets.delete(socket);
        connection.closed();
        // Whichever side goes, the other goes with it (no half-open connections are left over).
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      connection.sawUp(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (connection.forwardDown(chunk)) client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    this.bus.changed();
  }

  /** Open connections whose current request's path contains `pathPart` (latest first). */
  openWith(pathPart: string): CutterConnection[] {
    return this.connections.filter((c) => c.open && c.current?.path.includes(pathPart) === true).reverse();
  }

  /** Every exchange, on any connection, whose path contains `pathPart`, in order of arrival. */
  exchangesWith(pathPart: string): Exchange[] {
    return this.connections
      .flatMap((c) => c.exchanges.filter((e) => e.path.includes(pathPart)))
      .sort((a, b) => a.seq - b.seq);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
