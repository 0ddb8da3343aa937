/**
 * Sticky routing (demo/proxy/nginx/sticky.conf): three nodes in this process, each answering with
 * its name, behind one real nginx that hashes the server-id segment of session URLs. The
 * unmodified sockjs-client on websocket, xhr-streaming and xhr-polling: every reply of a session
 * from one node, sessions spread over the nodes; raw requests: /info round robin, every server id
 * on one node, a session's request on the wrong node refused; then node-2 killed mid-run. The
 * checks are test/support/sticky-routing.ts's, shared with HAProxy (test/proxy/haproxy.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findNginx, renderConfig, startNginx } from '../../demo/proxy/nginx';
import { describeServerIdRouting } from '../support/sticky-routing';

const nginxBin = findNginx();
const skip = nginxBin
  ? false
  : 'nginx not installed at /usr/sbin/nginx (set NGINX=...; CI installs nginx-light): sticky routing skipped';

/** The directives of a config, comments dropped. */
function directives(config: string): string {
  return config
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .join('\n');
}

describe('sticky config', () => {
  const active = directives(renderConfig('sticky', { listenPort: 1, upstreamPort: 2, upstreamPorts: [2, 3, 4] }).main);

  test('hashes the server id consistently over every node; streams unbuffered, upgrades passed', () => {
    assert.match(active, /map \$uri \$sockjs_server \{/);
    assert.match(active, /upstream sockjs_nodes \{\nhash \$sockjs_server consistent;/);
    assert.match(active, /server 127\.0\.0\.1:2;\nserver 127\.0\.0\.1:3;\nserver 127\.0\.0\.1:4;\n\}/);
    assert.match(active, /proxy_pass http:\/\/sockjs_nodes;/);
    assert.match(active, /proxy_http_version 1\.1;/);
    assert.match(active, /proxy_set_header Upgrade \$http_upgrade;/);
    assert.match(active, /proxy_set_header Connection \$connection_upgrade;/);
    assert.match(active, /proxy_buffering off;/);
    assert.match(active, /proxy_request_buffering off;/);
    assert.match(active, /proxy_read_timeout 3600s;/);
    assert.match(active, /proxy_next_upstream error timeout;/);
    assert.doesNotMatch(active, /non_idempotent/);
  });

  test("the map's regex takes the server id of session URLs and nothing else", () => {
    const source = /^~(\S+) \$1;$/m.exec(active)?.[1];
    assert.ok(source, active);
    const serverOf = (path: string): string | undefined => new RegExp(source).exec(path)?.[1];
    assert.equal(serverOf('/echo/123/a1b2c3d4/xhr_streaming'), '123');
    assert.equal(serverOf('/echo/007/x/websocket'), '007');
    assert.equal(serverOf('/echo/007/x/xhr_send/'), '007');
    assert.equal(serverOf('/app/echo/42/s/jsonp'), '42');
    assert.equal(serverOf('/echo/info'), undefined);
    assert.equal(serverOf('/echo/iframe.html'), undefined);
    assert.equal(serverOf('/echo/websocket'), undefined);
    assert.equal(serverOf('/echo'), undefined);
    assert.equal(serverOf('/echo/1.2/s/xhr'), undefined);
  });
});

describeServerIdRouting('sticky routing: three nodes behind nginx', skip, (nodes) => {
  const ports = nodes.map((node) => node.port);
  return startNginx({
    mode: 'sticky',
    upstreamPort: ports[0] ?? 0,
    upstreamPorts: ports,
    ...(nginxBin ? { bin: nginxBin } : {}),
  });
});
