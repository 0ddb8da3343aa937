/**
 * The demo page's script: connect to `/echo` with sockjs-client or, when the page offers it, our
 * SockJsSocket (imported on demand from `ownClient.url`, so a page that never picks it never loads
 * it), and show every frame, the client and the transport in use, and our client's reconnects.
 */

/** Our client, as the page is told about it (cli/ does not import client/: the caller says). */
export interface OwnClientChoice {
  /** Where the page imports the ES module exporting `SockJsSocket` from (the browser bundle). */
  readonly url: string;
  /** The transports it has (a subset of sockjs-client's); the others are disabled when it is picked. */
  readonly transports: readonly string[];
}

/** Text for inside a `<script>` element: JSON that cannot end the element early. */
function scriptLiteral(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The inline script (without the `<script>` tags); sockjs-client must be loaded before it. */
export function demoPageScript(ownClient: OwnClientChoice | undefined): string {
  return `
  var OWN_CLIENT = ${scriptLiteral(ownClient ?? null)};
  var CLIENT_NAMES = { 'sockjs-client': 'sockjs-client ' + SockJS.version, own: 'SockJsSocket (ours)' };
  var sock = null, ownClientModule = null, counts = { sent: 0, received: 0, heartbeats: 0 };
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
    if ($('client')) $('client').disabled = !idle;
  }
  function chosenClient() { return OWN_CLIENT && $('client').value === 'own' ? 'own' : 'sockjs-client'; }
  // Our client has fewer transports than sockjs-client (no iframe or JSONP ones): offer only those.
  function fitTransports() {
    var own = chosenClient() === 'own', picker = $('transport');
    for (var i = 0; i < picker.options.length; i++) {
      var option = picker.options[i];
      option.disabled = own && option.value !== '' && OWN_CLIENT.transports.indexOf(option.value) < 0;
    }
    if (picker.selectedIndex >= 0 && picker.options[picker.selectedIndex].disabled) {
      log('sys', CLIENT_NAMES.own + ' has no ' + picker.value + ': auto instead');
      picker.value = '';
    }
  }
  // Both clients' events, on the socket of the current connection only: one replaced by Reconnect
  // or Disconnect may still report its close, which is no longer the page's business.
  function watch(s) {
    function current() { return s === sock; }
    s.onopen = function () {
      if (!current()) return;
      setState('open'); $('used').textContent = s.transport;
      count('received'); log('in', '<- o   (open over ' + s.transport + ')');
    };
    s.onmessage = function (e) { if (current()) { count('received'); log('in', '<- a' + JSON.stringify([e.data])); } };
    s.onheartbeat = function () { if (current()) { count('heartbeats'); log('hb', '<- h'); } };
    s.onclose = function (e) {
      if (!current()) return;
      count('received'); setState('closed (' + e.code + ')'); $('used').textContent = 'none';
      log('sys', '<- c' + JSON.stringify([e.code, e.reason]));
    };
  }
  // Only ours reconnects by itself, each time on a new server session.
  function watchReconnects(s) {
    function current() { return s === sock; }
    s.addEventListener('reconnecting', function (e) {
      if (!current()) return;
      setState('reconnecting (attempt ' + e.attempt + ')'); $('used').textContent = 'none';
      log('sys', 'reconnecting: lost (' + e.code + ' ' + e.reason + '), attempt ' + e.attempt + ' in ' + e.delay + ' ms');
    });
    s.addEventListener('reconnected', function (e) {
      if (!current()) return;
      setState('open'); $('used').textContent = e.transport;
      log('in', 'reconnected over ' + e.transport + ' (attempt ' + e.attempt + ', a new session)');
    });
  }
  function openSockJsClient(chosen) {
    // One forced transport has nothing to fall back to: give it time to open on a slow network.
    sock = new SockJS('/echo', null, chosen ? { transports: [chosen], timeout: 10000 } : {});
    watch(sock);
  }
  function openOwnClient(chosen) {
    ownClientModule = ownClientModule || import(OWN_CLIENT.url);
    var attempt = sock = {};
    ownClientModule.then(function (module) {
      if (sock !== attempt) return;
      var options = chosen ? { transports: [chosen], timeout: 10000 } : {};
      sock = new module.SockJsSocket(new URL('/echo', location.href).href, options);
      watch(sock); watchReconnects(sock);
    }).catch(function (error) {
      if (sock !== attempt) return;
      sock = null; setState('closed (no client)');
      log('sys', 'cannot open ' + CLIENT_NAMES.own + ' from ' + OWN_CLIENT.url + ': ' + error.message);
    });
  }
  function connect() {
    var chosen = $('transport').value, client = chosenClient();
    setState('connecting'); $('client-used').textContent = CLIENT_NAMES[client];
    log('sys', 'connecting with ' + CLIENT_NAMES[client] + (chosen ? ' over ' + chosen : ''));
    if (client === 'own') openOwnClient(chosen); else openSockJsClient(chosen);
  }
  function disconnect(reason) {
    var s = sock;
    if (s && typeof s.close === 'function' && s.readyState !== 3) s.close(1000, reason);
    return s;
  }
  $('connect').onclick = connect;
  $('disconnect').onclick = function () {
    // Our socket still loading: nothing to close yet, forget it.
    if (sock && typeof sock.close !== 'function') { sock = null; setState('closed'); return; }
    disconnect('bye');
  };
  $('reconnect').onclick = function () {
    if (disconnect('reconnect')) log('sys', 'closed for reconnect');
    connect();
  };
  $('form').onsubmit = function (e) {
    e.preventDefault();
    var text = $('text').value;
    if (!sock || text === '') return;
    sock.send(text); count('sent'); log('out', '-> ' + JSON.stringify([text])); $('text').value = '';
  };
  var params = new URLSearchParams(location.search);
  if (OWN_CLIENT) {
    if (params.get('client')) $('client').value = params.get('client');
    if ($('client').value === '') {
      log('sys', 'no client ' + JSON.stringify(params.get('client')) + ': sockjs-client instead');
      $('client').value = 'sockjs-client';
    }
    $('client').onchange = fitTransports;
  }
  if (params.get('transport')) $('transport').value = params.get('transport');
  if (OWN_CLIENT) fitTransports();
  if (params.get('autoconnect')) connect();
`;
}
