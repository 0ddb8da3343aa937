/**
 * A client that keeps cookies, as a browser does and sockjs-client in Node does not: raw requests
 * (test/support/raw-http.ts) that carry back every cookie a response set (name=value only; path,
 * expiry and the other attributes are not needed by the sticky-cookie tests and are ignored).
 */
import { GET, POST, type HttpResponse, type RequestOptions } from './raw-http';

export class CookieClient {
  private readonly jar = new Map<string, string>();

  constructor(readonly port: number) {}

  /** The cookies to send, `a=1; b=2`; empty when there are none. */
  get cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  /** Headers with the cookies (none when the jar is empty), for a request made some other way (a websocket). */
  headers(): Record<string, string> {
    return this.jar.size === 0 ? {} : { Cookie: this.cookieHeader };
  }

  GET(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.keep(GET(this.port, path, this.withCookies(options)));
  }

  POST(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.keep(POST(this.port, path, this.withCookies(options)));
  }

  /** Takes the cookies of a response got some other way (a websocket upgrade, a stream's head). */
  take(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) this.jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  private withCookies(options: RequestOptions): RequestOptions {
    return { ...options, headers: { ...options.headers, ...this.headers() } };
  }

  private async keep(response: Promise<HttpResponse>): Promise<HttpResponse> {
    const res = await response;
    this.take(setCookiesOf(res));
    return res;
  }
}

/** Every Set-Cookie line of a response (each its own header line; never joined). */
export function setCookiesOf(res: HttpResponse): string[] {
  return res.head.rawHeaders.filter(([name]) => name.toLowerCase() === 'set-cookie').map(([, value]) => value);
}
