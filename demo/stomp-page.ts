/**
 * The STOMP chat page of `npm start` (`/stomp.html`): @stomp/stompjs over sockjs-client, both served
 * by the demo itself. Log in as alice or bob (or stay anonymous), talk in rooms
 * (`/app/chat.{room}` → `/topic/chat.{room}`), send private messages (`/app/private` →
 * `/user/queue/private`), and force a SockJS transport. Plain HTML and script, no build step; user
 * text only ever goes into the page as textContent.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLIENT_TRANSPORTS } from '../cli/page';

/** Where the demo serves the stompjs browser bundle. */
export const STOMPJS_BUNDLE_URL = '/stomp.umd.min.js';

/**
 * The browser bundle of @stomp/stompjs (a devDependency: the demo, not the package, uses it). Its
 * `exports` hide `bundles/`, so the file is found next to the CommonJS entry, which is the full bundle.
 */
export function stompjsBundle(): Buffer {
  const entry = require.resolve('@stomp/stompjs');
  return readFileSync(path.join(path.dirname(entry), 'stomp.umd.min.js'));
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface ChatPageOptions {
  /** sockjs-client, as the endpoint serves it (`endpoint.clientScriptUrl`). */
  readonly sockjsScriptUrl: string;
  /** The SockJS endpoint of the STOMP server. Default `/stomp`. */
  readonly stompUrl?: string;
  /** Default STOMPJS_BUNDLE_URL. */
  readonly stompjsScriptUrl?: string;
}

const STYLE = `
  :root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #eef1f6; }
  body { margin: 0; }
  header { background: #1d2b4f; color: #fff; padding: 1rem 2rem; }
  header h1 { font-size: 1.25rem; margin: 0; }
  header p { margin: .25rem 0 0; color: #b9c3dc; font-size: .9rem; }
  header a { color: #fff; }
  main { max-width: 960px; margin: 1.5rem auto; padding: 0 1rem; display: grid; gap: 1rem; grid-template-columns: 3fr 2fr; }
  .card { background: #fff; border-radius: 10px; padding: 1rem 1.25rem; box-shadow: 0 1px 8px rgba(20,30,60,.08); }
  .wide { grid-column: 1 / -1; }
  h2 { font-size: 1rem; margin: 0 0 .75rem; }
  .row { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
  select, input, button { font: inherit; padding: .4rem .6rem; border: 1px solid #c8cfdc; border-radius: 6px; }
  input.grow { flex: 1; min-width: 8rem; }
  #passcode, #user { width: 8rem; } #transport { width: 11rem; }
  button { background: #2f6fed; color: #fff; border-color: #2f6fed; cursor: pointer; }
  button.secondary { background: #fff; color: #2f6fed; }
  button:disabled { opacity: .45; cursor: default; }
  #status { margin: .75rem 0 0; font-weight: 600; }
  #status.open { color: #11875d; } #status.closed { color: #5a6275; } #status.connecting { color: #a86b00; } #status.error { color: #b3261e; }
  .list { list-style: none; margin: .75rem 0; padding: .5rem; height: 300px; overflow-y: auto; background: #f4f6fa; border-radius: 8px; }
  .list li { padding: .25rem .4rem; border-radius: 6px; word-break: break-word; }
  .list li + li { margin-top: .2rem; }
  .list .from { font-weight: 600; margin-right: .4rem; }
  .list .at { color: #8a91a3; font-size: .75rem; margin-left: .4rem; }
  .list .mine .from { color: #2f6fed; }
  .list .sys { color: #8a91a3; font-style: italic; }
  .hint { color: #5a6275; font-size: .85rem; margin: .5rem 0 0; }
`;

function body(options: string): string {
  return `<header>
  <h1>STOMP chat</h1>
  <p>@stomp/stompjs over SockJS at <code>/stomp</code>: rooms on <code>/topic/chat.{room}</code>, private messages on <code>/user/queue/private</code>. <a href="/">Back to the echo demo</a></p>
</header>
<main>
  <section class="card wide">
    <form id="login" class="row">
      <label for="user">User</label>
      <select id="user"><option value="alice">alice</option><option value="bob">bob</option><option value="">anonymous</option></select>
      <label for="passcode">Passcode</label>
      <input id="passcode" type="password" autocomplete="off" placeholder="same as the name">
      <label for="transport">Transport</label>
      <select id="transport"><option value="">auto (best available)</option>${options}</select>
      <button id="connect">Connect</button>
      <button id="disconnect" type="button" class="secondary" disabled>Disconnect</button>
    </form>
    <p id="status" class="closed" role="status">disconnected</p>
  </section>
  <section class="card">
    <h2>Room <span id="room-name">lobby</span></h2>
    <form id="join" class="row">
      <input id="room" class="grow" value="lobby" pattern="[A-Za-z0-9_-]{1,32}" title="1-32 letters, digits, _ or -">
      <button id="join-button" class="secondary" disabled>Join</button>
    </form>
    <ul id="room-messages" class="list" aria-live="polite"></ul>
    <form id="say" class="row">
      <input id="text" class="grow" autocomplete="off" placeholder="Say something to the room" disabled>
      <button id="send" disabled>Send</button>
    </form>
  </section>
  <section class="card">
    <h2>Private messages</h2>
    <ul id="private-messages" class="list" aria-live="polite"></ul>
    <form id="whisper" class="row">
      <select id="to"><option>alice</option><option>bob</option></select>
      <input id="private-text" class="grow" autocomplete="off" placeholder="Private message" disabled>
      <button id="send-private" disabled>Send</button>
    </form>
    <p class="hint">Only logged-in users receive private messages; anonymous sessions can still send them.</p>
  </section>
</main>`;
}

/** The page's script: one stompjs Client at a time, no reconnects (the status line says why it closed). */
const SCRIPT = `
  var client = null, roomSubscription = null, me = '', closing = '', receipts = 0;
  var $ = function (id) { return document.getElementById(id); };
  function setStatus(text, kind) { $('status').textContent = text; $('status').className = kind; }
  function setConnected(open) {
    $('connect').disabled = open || client !== null; $('disconnect').disabled = client === null;
    ['join-button', 'text', 'send', 'private-text', 'send-private'].forEach(function (id) { $(id).disabled = !open; });
  }
  function addLine(listId, kind, from, text, at) {
    var item = document.createElement('li');
    item.className = kind;
    if (from) { var who = document.createElement('span'); who.className = 'from'; who.textContent = from; item.appendChild(who); }
    item.appendChild(document.createTextNode(text));
    if (at) { var when = document.createElement('span'); when.className = 'at'; when.textContent = new Date(at).toLocaleTimeString(); item.appendChild(when); }
    $(listId).appendChild(item);
    $(listId).scrollTop = $(listId).scrollHeight;
  }
  function parsed(message) { try { return JSON.parse(message.body); } catch (e) { return { from: '?', text: message.body }; } }
  function joinRoom() {
    var room = $('room').value;
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(room) || !client || !client.connected) return;
    if (roomSubscription) roomSubscription.unsubscribe();
    $('room-name').textContent = room; $('room-messages').textContent = '';
    // Joined once the server says so (a receipt): from then on, the room's messages arrive.
    var receipt = 'join-' + (++receipts);
    client.watchForReceipt(receipt, function () { addLine('room-messages', 'sys', '', 'joined ' + room); });
    roomSubscription = client.subscribe('/topic/chat.' + room, function (message) {
      var line = parsed(message);
      addLine('room-messages', line.from === me ? 'mine' : 'theirs', line.from, line.text, line.at);
    }, { receipt: receipt });
  }
  function connect() {
    var user = $('user').value, transport = $('transport').value, sock = null;
    me = user; closing = '';
    client = new StompJs.Client({
      // One forced transport has nothing to fall back to: give it time to open on a slow network.
      webSocketFactory: function () {
        sock = new SockJS(STOMP_URL, null, transport ? { transports: [transport], timeout: 10000 } : {});
        return sock;
      },
      connectHeaders: user ? { login: user, passcode: $('passcode').value } : {},
      reconnectDelay: 0,
      onConnect: function (frame) {
        me = frame.headers['user-name'] || '';
        var receipt = 'private-' + (++receipts);
        // Connected, as the status says, once the private queue is subscribed too.
        client.watchForReceipt(receipt, function () {
          setStatus('connected as ' + (me || 'anonymous') + ' over ' + sock.transport, 'open');
        });
        client.subscribe('/user/queue/private', function (message) {
          var line = parsed(message);
          addLine('private-messages', 'theirs', line.from + ' \\u2192 you', line.text, line.at);
        }, { receipt: receipt });
        setConnected(true);
        joinRoom();
      },
      onStompError: function (frame) { closing = 'ERROR: ' + (frame.headers.message || 'refused'); },
      onWebSocketClose: function (event) {
        client = null; roomSubscription = null;
        setConnected(false);
        setStatus(closing || 'disconnected (' + event.code + (event.reason ? ' ' + event.reason : '') + ')', closing.indexOf('ERROR') === 0 ? 'error' : 'closed');
      },
    });
    setStatus('connecting as ' + (user || 'anonymous') + (transport ? ' with ' + transport : '') + '\\u2026', 'connecting');
    setConnected(false);
    client.activate();
  }
  function publish(destination, payload) {
    client.publish({ destination: destination, body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
  }
  $('login').onsubmit = function (e) { e.preventDefault(); if (!client) connect(); };
  $('disconnect').onclick = function () { if (client) { closing = 'disconnected'; client.deactivate(); } };
  $('join').onsubmit = function (e) { e.preventDefault(); joinRoom(); };
  $('say').onsubmit = function (e) {
    e.preventDefault();
    var text = $('text').value;
    if (!client || !client.connected || text.trim() === '') return;
    publish('/app/chat.' + $('room-name').textContent, { text: text });
    $('text').value = '';
  };
  $('whisper').onsubmit = function (e) {
    e.preventDefault();
    var text = $('private-text').value, to = $('to').value;
    if (!client || !client.connected || text.trim() === '') return;
    publish('/app/private', { to: to, text: text });
    addLine('private-messages', 'mine', 'you \\u2192 ' + to, text, new Date().toISOString());
    $('private-text').value = '';
  };
`;

/** The chat page; the script URLs are the demo's own (no CDN). */
export function stompChatPage(page: ChatPageOptions): string {
  const options = CLIENT_TRANSPORTS.map((t) => `<option value="${t}">${t}</option>`).join('');
  const stompUrl = JSON.stringify(page.stompUrl ?? '/stomp').replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>STOMP chat demo</title>
<style>${STYLE}</style>
</head>
<body>
${body(options)}
<script src="${escapeHtml(page.sockjsScriptUrl)}"></script>
<script src="${escapeHtml(page.stompjsScriptUrl ?? STOMPJS_BUNDLE_URL)}"></script>
<script>
  var STOMP_URL = ${stompUrl};
${SCRIPT}</script>
</body>
</html>
`;
}
