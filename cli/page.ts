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

/** A link from the demo page to another page the server has (the STOMP chat, under `npm start`). */
export interface DemoLink {
  readonly href: string;
  readonly label: string;
}

/**
 * The demo page: chat over `/echo` with the self-hosted sockjs-client; pick a transport, watch the
 * frames go in and out (heartbeats too), reconnect. `?transport=x&autoconnect=1` drives it from a URL.
 */
export function demoPage(clientScriptUrl: string, links: readonly DemoLink[] = []): string {
  const options = CLIENT_TRANSPORTS.map((t) => `<option value="${t}">${t}</option>`).join('');
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
  .stats { display: grid; grid-template-columns: repeat(5, 1fr); gap: .5rem; margin-top: .75rem; }
  .stat { background: #f4f6fa; border-radius: 8px; padding: .5rem .75rem; }
  .stat b { display: block; font-size: 1.1rem; white-space: nowrap; }
  .stat span { color: #5a6275; font-size: .8rem; }
  #state.open { color: #11875d; } #state.closed { color: #b3261e; } #state.connecting { color: #a86b00; }
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
  <p>Every message goes to <code>/echo</code> and comes back. Force a transport to see the fallbacks at work.</p>
  ${more ? `<p class="more">More: ${more}</p>` : ''}
</header>
<main>
  <section class="card">
    <div class="row">
      <label for="transport">Transport</label>
      <select id="transport"><option value="">auto (best available)</option>${options}</select>
      <button id="connect">Connect</button>
      <button id="reconnect" class="secondary" disabled>Reconnect</button>
      <button id="disconnect" class="secondary" disabled>Disconnect</button>
    </div>
    <div class="stats">
      <div class="stat"><b id="state" class="closed">closed</b><span>state</span></div>
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
    <p class="legend">Frames: <code>o</code> open, <code>h</code> heartbeat, <code>a[...]</code> messages, <code>c[code,"reason"]</code> close; outgoing messages travel as a JSON array.</p>
  </section>
</main>
<script src="${escapeHtml(clientScriptUrl)}"></script>
<script>
  var sock = null, counts = { sent: 0, received: 0, heartbeats: 0 };
  var $ = function (id) { return document.getElementById(id); };
  function log(kind, text) {
    var line = document.createElement('div');
    line.className = kind;
    line.textContent = new Date().toLocaleTimeString() + '  ' + text;
    $('log').appendChild(line);
    $('log').scrollTop = $('log').scrollHeight;
  }
  function count(name) { counts[name]++; $(name).textContent = counts[name]; }
  function setState(state) {
    $('state').textContent = state; $('state').className = state.split(' ')[0];
    var open = state === 'open', idle = state.indexOf('closed') === 0;
    $('connect').disabled = !idle; $('reconnect').disabled = idle && !sock; $('disconnect').disabled = idle;
    $('text').disabled = !open; $('send').disabled = !open;
  }
  function connect() {
    var chosen = $('transport').value;
    // One forced transport has nothing to fall back to: give it time to open on a slow network.
    sock = new SockJS('/echo', null, chosen ? { transports: [chosen], timeout: 10000 } : {});
    setState('connecting');
    log('sys', 'connecting' + (chosen ? ' with ' + chosen : ''));
    sock.onopen = function () {
      setState('open'); $('used').textContent = sock.transport;
      count('received'); log('in', '<- o   (open over ' + sock.transport + ')');
    };
    sock.onmessage = function (e) { count('received'); log('in', '<- a' + JSON.stringify([e.data])); };
    sock.onheartbeat = function () { count('heartbeats'); log('hb', '<- h'); };
    sock.onclose = function (e) {
      count('received'); setState('closed (' + e.code + ')');
      log('sys', '<- c' + JSON.stringify([e.code, e.reason]));
    };
  }
  $('connect').onclick = connect;
  $('disconnect').onclick = function () { if (sock) sock.close(1000, 'bye'); };
  $('reconnect').onclick = function () {
    if (sock && sock.readyState !== SockJS.CLOSED) { sock.onclose = null; sock.close(1000, 'reconnect'); log('sys', 'closed for reconnect'); }
    connect();
  };
  $('form').onsubmit = function (e) {
    e.preventDefault();
    var text = $('text').value;
    if (!sock || text === '') return;
    sock.send(text); count('sent'); log('out', '-> ' + JSON.stringify([text])); $('text').value = '';
  };
  var params = new URLSearchParams(location.search);
  if (params.get('transport')) $('transport').value = params.get('transport');
  if (params.get('autoconnect')) connect();
</script>
</body>
</html>
`;
}
