import { demoPageScript, type OwnClientChoice } from './page-script';

/** The transports sockjs-client can be forced to, in its order of preference. */
export const CLIENT_TRANSPORTS = [
  'websocket',
  'xhr-streaming',
  'xhr-polling',
  'eventsource',
  'iframe-eventsource',
  'iframe-htmlfile',
  'iframe-xhr-polling',
  'jsonp-polling',
] as const;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The client picker, first in the connection row (values: the page script's `?client=`). */
const CLIENT_PICKER = `<label for="client">Client</label>
      <select id="client">
        <option value="sockjs-client">sockjs-client 1.6</option>
        <option value="own">SockJsSocket (ours)</option>
      </select>`;

/** A link from the demo page to another page the server has (the STOMP chat, under `npm start`). */
export interface DemoLink {
  readonly href: string;
  readonly label: string;
}

export interface DemoPageOptions {
  /** Links to the server's other pages, in the header. */
  readonly links?: readonly DemoLink[];
  /** Offer our SockJsSocket beside sockjs-client (a picker, and `?client=own`); without it, sockjs-client alone. */
  readonly ownClient?: OwnClientChoice;
}

/**
 * The demo page: chat over `/echo` with the self-hosted sockjs-client (or our SockJsSocket, when the
 * server offers it); pick a transport, watch the frames go in and out (heartbeats too), reconnect.
 * `?client=own&transport=x&autoconnect=1` drives it from a URL.
 */
export function demoPage(clientScriptUrl: string, options: DemoPageOptions = {}): string {
  const transports = CLIENT_TRANSPORTS.map((t) => `<option value="${t}">${t}</option>`).join('');
  const links = options.links ?? [];
  const more = links.map((link) => `<a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a>`).join(' · ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SockJS echo demo</title>
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #eef1f6; }
  body { margin: 0; }
  header { background: #1d2b4f; color: #fff; padding: 1rem 2rem; }
  header h1 { font-size: 1.25rem; margin: 0; }
  header p { margin: .25rem 0 0; color: #b9c3dc; font-size: .9rem; }
  header .more a { color: #fff; }
  main { max-width: 880px; margin: 1.5rem auto; padding: 0 1rem; display: grid; gap: 1rem; }
  .card { background: #fff; border-radius: 10px; padding: 1rem 1.25rem; box-shadow: 0 1px 8px rgba(20,30,60,.08); }
  .row { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
  select, input, button { font: inherit; padding: .45rem .7rem; border: 1px solid #c8cfdc; border-radius: 6px; }
  input#text { flex: 1; min-width: 14rem; }
  button { background: #2f6fed; color: #fff; border-color: #2f6fed; cursor: pointer; }
  button.secondary { background: #fff; color: #2f6fed; }
  button:disabled { opacity: .45; cursor: default; }
  .stats { display: grid; grid-template-columns: repeat(3, 1fr); gap: .5rem; margin-top: .75rem; }
  .stat { background: #f4f6fa; border-radius: 8px; padding: .5rem .75rem; }
  .stat b { display: block; font-size: 1.1rem; white-space: nowrap; }
  .stat span { color: #5a6275; font-size: .8rem; }
  #state.open { color: #11875d; } #state.closed { color: #b3261e; } #state.connecting, #state.reconnecting { color: #a86b00; }
  #log { margin-top: .75rem; height: 340px; overflow-y: auto; background: #0f1420; color: #d5dbe8; border-radius: 8px; padding: .75rem;
         font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
  #log div { white-space: pre-wrap; word-break: break-all; }
  #log .in { color: #7ee2a8; } #log .out { color: #8ab4ff; } #log .sys { color: #f5c86b; } #log .hb { color: #6b7385; }
  .legend { color: #5a6275; font-size: .85rem; margin: .5rem 0 0; }
</style>
</head>
<body>
<header>
  <h1>SockJS echo</h1>
  <p>Every message goes to <code>/echo</code> and comes back. Force a transport to see the fallbacks at work.${
    options.ownClient
      ? ' Pick sockjs-client or our SockJsSocket, which reconnects by itself (stop the server to see it).'
      : ''
  }</p>
  ${more ? `<p class="more">More: ${more}</p>` : ''}
</header>
<main>
  <section class="card">
    <div class="row">
      ${options.ownClient ? CLIENT_PICKER : ''}
      <label for="transport">Transport</label>
      <select id="transport"><option value="">auto (best available)</option>${transports}</select>
      <button id="connect">Connect</button>
      <button id="reconnect" class="secondary" disabled>Reconnect</button>
      <button id="disconnect" class="secondary" disabled>Disconnect</button>
    </div>
    <div class="stats">
      <div class="stat"><b id="state" class="closed">closed</b><span>state</span></div>
      <div class="stat"><b id="client-used">none</b><span>client in use</span></div>
      <div class="stat"><b id="used">none</b><span>transport in use</span></div>
      <div class="stat"><b id="sent">0</b><span>frames out</span></div>
      <div class="stat"><b id="received">0</b><span>frames in</span></div>
      <div class="stat"><b id="heartbeats">0</b><span>heartbeats</span></div>
    </div>
  </section>
  <section class="card">
    <form id="form" class="row">
      <input id="text" autocomplete="off" placeholder="Say something" disabled>
      <button id="send" disabled>Send</button>
    </form>
    <div id="log" aria-live="polite"></div>
    <p class="legend">Frames: <code>o</code> open, <code>h</code> heartbeat, <code>a[...]</code> messages, <code>c[code,"reason"]</code> close; outgoing messages travel as a JSON array.${
      options.ownClient ? ' With SockJsSocket the log shows its events, written as the frames they come from.' : ''
    }</p>
  </section>
</main>
<script src="${escapeHtml(clientScriptUrl)}"></script>
<script>${demoPageScript(options.ownClient)}</script>
</body>
</html>
`;
}
