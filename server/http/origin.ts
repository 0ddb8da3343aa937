import type { IncomingMessage } from 'node:http';

/**
 * Which browser origins may use an endpoint. Requests without an `Origin` header (non-browser
 * clients, same-origin navigations) are not cross-origin and always pass; a page served by the
 * same host always passes. Everything else must be listed:
 *
 * - `'*'`: any origin (the protocol suite's services use this);
 * - `'https://app.example.com'`: exactly that origin (scheme, host, port);
 * - `'https://*.example.com'`, `'http://localhost:*'`: `*` stands for any run of host or port
 *   characters;
 * - `'null'`: the opaque origin of sandboxed iframes and `file:` pages (refused unless listed).
 */
export class OriginPolicy {
  readonly any: boolean;
  private readonly exact = new Set<string>();
  private readonly patterns: RegExp[] = [];
  private readonly patternSources: string[] = [];

  constructor(allowed: readonly string[]) {
    this.any = allowed.includes('*');
    for (const entry of allowed) {
      if (entry === '*') continue;
      const lower = entry.toLowerCase();
      if (lower.includes('*')) {
        this.patterns.push(toPattern(lower));
        this.patternSources.push(lower);
      } else this.exact.add(lower);
    }
  }

  /** The CSP `frame-ancestors` sources for pages only allowed origins may frame; undefined for any. */
  frameAncestors(): string | undefined {
    if (this.any) return undefined;
    const sources = [...this.exact, ...this.patternSources].filter((source) => source !== 'null');
    return ["'self'", ...sources].join(' ');
  }

  /** True when the request's origin may use the endpoint. */
  allows(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined || this.any) return true;
    const lower = origin.toLowerCase();
    if (this.exact.has(lower)) return true;
    if (lower !== 'null' && sameOrigin(lower, req.headers.host)) return true;
    return this.patterns.some((pattern) => pattern.test(lower));
  }
}

function toPattern(entry: string): RegExp {
  const escaped = entry.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/:]*');
  return new RegExp(`^${escaped}$`);
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };

/** Compares the origin's host and port with the Host header (the scheme is not seen behind proxies). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const originPort = url.port || DEFAULT_PORTS[url.protocol] || '';
  const [hostName, hostPort] = splitHost(host.toLowerCase());
  return url.hostname === hostName && originPort === (hostPort || DEFAULT_PORTS[url.protocol] || '');
}

function splitHost(host: string): [string, string] {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  return match ? [match[1] as string, match[2] ?? ''] : [host, ''];
}

/** Validates an `allowedOrigins` entry; returns why it is wrong, or undefined. */
export function originEntryProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'string' || entry === '') return 'entries must be non-empty strings';
  if (entry === '*' || entry === 'null') return undefined;
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(entry))
    return `"${entry}" is not an origin (scheme://host[:port], no path)`;
  return undefined;
}
