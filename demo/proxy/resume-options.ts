/**
 * The resume extension's options (docs/resume.md), in one place: server `resumeWindow` /
 * `resumeMaxBytes`, client `resume`, and whether an endpoint's /info offers it.
 */
import { get } from 'node:http';
import type { SockJsSocketOptions } from '../../client';
import type { EndpointOptions } from '../../server';

/** What the harness asks of resume, on one endpoint or one client. */
export interface ResumeSetting {
  /** Ms a dropped session waits to be reattached (server `resumeWindow`); 0 = off. */
  readonly window: number;
  /** Bytes of unconfirmed messages kept per session (server `resumeMaxBytes`). */
  readonly maxBytes: number;
}

/** Resume off: the server's default. */
export const RESUME_OFF: ResumeSetting = { window: 0, maxBytes: 0 };

/** Resume on, with a window far longer than any reattach of the harness takes. */
export const RESUME_ON: ResumeSetting = { window: 30_000, maxBytes: 4 * 1024 * 1024 };

/** Endpoint options that switch resume on (or leave it off). */
export function resumeEndpointOptions(setting: ResumeSetting): Partial<EndpointOptions> {
  return setting.window > 0 ? { resumeWindow: setting.window, resumeMaxBytes: setting.maxBytes } : {};
}

/**
 * Client options for `resume` (default true: used when the server offers it). `false` is what the
 * harness's "without resume" runs ask; they also talk to an endpoint with resume off.
 */
export function resumeClientOptions(resume: boolean): Partial<SockJsSocketOptions> {
  return { resume };
}

/** Whether the endpoint's /info offers resume (docs/resume.md: `"resume": {"version": 1, …}`). */
export async function infoOffersResume(endpointUrl: string): Promise<boolean> {
  const info = JSON.parse(await getOnce(`${endpointUrl}/info`)) as unknown;
  const offer =
    typeof info === 'object' && info !== null ? (info as { resume?: { version?: unknown } }).resume : undefined;
  return offer?.version === 1;
}

/**
 * A GET on a connection of its own: fetch's kept-alive connections race nginx's idle cut of them
 * (idle-cut mode closes an idle connection after a second), and this look is not what is tested.
 */
function getOnce(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        response.statusCode === 200 ? resolve(body) : reject(new Error(`${url} answered ${response.statusCode}`)),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
