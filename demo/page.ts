/** The demo page: chat over `/echo` with the self-hosted sockjs-client, showing the transport. */
export function demoPage(clientScriptUrl: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SockJS echo demo</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f4f6fa; }
  main { max-width: 760px; margin: 2rem auto; background: #fff; border-radius: 10px; padding: 1.5rem 2rem;
         box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  p.lead { margin: 0 0 1rem; color: #5a6275; }
  .row { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: .5rem 0; }
  select, input, button { font: inherit; padding: .4rem .6rem; border: 1px solid #c8cfdc; border-radius: 6px; }
  input#text { flex: 1; min-width: 12rem; }
  button { background: #2f6fed; color: #fff; border-color: #2f6fed; cursor: pointer; }
  button.secondary { background: #fff; color: #2f6fed; }
  button:disabled { opacity: .5; cursor: default; }
  #status { font-weight: 600; }
  .badge { display: inline-block; padding: .1rem .5rem; border-radius: 99px; background: #e8eefc; color: #2f6fed; }
  #log { height: 320px; overflow-y: auto; background: #0f1420; color: #d5dbe8; border-radius: 8px; padding: .75rem;
         font: 13px/1.45 ui-monospace, monospace; margin-top: 1rem; }
  #log .in { color: #7ee2a8; } #log .out { color: #8ab4ff; } #log .sys { color: #f5c86b; } #log .hb { color: #6b7385; }
</style>
</head>
<body>
<main>
  <h1>SockJS echo</h1>
  <p class="lead">Messages go to <code>/echo</code> and come back. Pick a transport to force it, or let the client choose.</p>
  <div class="row">
    <label for="transport">Transport</label>
    <select id="transport">
      <option value="">auto (best available)</option>
      <option>websocket</option><option>xhr-streaming</option><option>xhr-polling</option>
      <option>eventsource</option><option>iframe-eventsource</option><option>iframe-htmlfile</option>
      <option>iframe-xhr-polling</option><option>jsonp-polling</option>
    </select>
    <button id="connect">Connect</button>
    <button id="disconnect" class="secondary" disabled>Disconnect</button>
  </div>
  <div class="row">Status: <span id="status">closed</span> &middot; transport: <span id="used" class="badge">none</span></div>
  <form id="form" class="row">
    <input id="text" autocomplete="off" placeholder="Say something" disabled>
    <button id="send" disabled>Send</button>
  </form>
  <div id="log" aria-live="polite"></div>
</main>
<script src="${clientScriptUrl}"></script>
<script>
  var sock = null;
  var $ = function (id) { return document.getElementById(id); };
  function log(kind, text) {
    var line = document.createElement('div');
    line.className = kind;
    line.textContent = new Date().toLocaleTimeString() + '  ' + text;
    $('log').appendChild(line);
    $('log').scrollTop = $('log').scrollHeight;
  }
  function setOpen(open) {
    $('connect').disabled = open; $('disconnect').disabled = !open;
    $('text').disabled = !open; $('send').disabled = !open;
  }
  $('connect').onclick = function () {
    var chosen = $('transport').value;
    sock = new SockJS('/echo', null, chosen ? { transports: [chosen] } : {});
    $('status').textContent = 'connecting';
    sock.onopen = function () {
      $('status').textContent = 'open'; $('used').textContent = sock.transport; setOpen(true);
      log('sys', 'open over ' + sock.transport);
    };
    sock.onmessage = function (e) { log('in', '<- ' + e.data); };
    sock.onheartbeat = function () { log('hb', '<- heartbeat'); };
    sock.onclose = function (e) {
      $('status').textContent = 'closed (' + e.code + ' ' + e.reason + ')'; setOpen(false);
      log('sys', 'closed ' + e.code + ' ' + e.reason);
    };
  };
  $('disconnect').onclick = function () { if (sock) sock.close(1000, 'bye'); };
  $('form').onsubmit = function (e) {
    e.preventDefault();
    var text = $('text').value;
    if (!sock || text === '') return;
    sock.send(text); log('out', '-> ' + text); $('text').value = '';
  };
</script>
</body>
</html>
`;
}
