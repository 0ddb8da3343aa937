/**
 * Sticky routing (demo/proxy/nginx/sticky.conf): three nodes in this process, each answering with
 * its name, behind one real nginx that hashes the server-id segment of session URLs. The
 * unmodified sockjs-client on websocket, xhr-streaming and xhr-polling: every reply of a session
 * from one node, sessions spread over the nodes; raw requests: /info round robin, every server id
 * on one node, a session's request on the wrong node refused; then node-2 killed mid-run. The
 * checks are test/support/sticky-routing.ts's, shared with HAProxy (test/proxy/haproxy.test.ts).
 * Then sticky-cookie-hash.conf: a client's own JSESSIONID keeps all its sessions on one node, and
 * without one (or with the endpoint's placeholder `dummy`) the server id decides.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findNginx, renderConfig, startNginx, type NginxProcess } from '../../demo/proxy/nginx';
import { NODE_PREFIX } from '../support/nodes';
import { GET } from '../support/raw-http';
import { Resources } from '../support/resources';
import { NODE_NAMES, describeServerIdRouting, probeServerId, startNodes } from '../support/sticky-routing';
import { directives } from '../support/config-text';

const nginxBin = findNginx();
const skip = nginxBin
  ? false
  : 'nginx not installed at /usr/sbin/nginx (set NGINX=...; CI installs nginx-light): sticky routing skipped';

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

describe('sticky routing on the JSESSIONID cookie: three nodes behind nginx (sticky-cookie-hash)', { skip }, () => {
  const resources = new Resources();
  after(() => resources.closeAll());
  let nginx: NginxProcess;

  before(async () => {
    const ports = (await startNodes(resources)).map((node) => node.port);
    const started = await startNginx({
      mode: 'sticky-cookie-hash',
      upstreamPort: ports[0] ?? 0,
      upstreamPorts: ports,
      ...(nginxBin ? { bin: nginxBin } : {}),
    });
    nginx = resources.add(started, (n) => n.stop());
  });

  test("a client's own cookie: its sessions of any server id, and its /info, on one node; clients spread", async () => {
    const clientsOn = new Map<string, number>();
    // 60 clients: as for the server ids, one node getting none has a probability under 1e-7.
    for (let c = 0; c < 60; c++) {
      const cookie = { Cookie: `JSESSIONID=user-${c}` };
      const holders = new Set<string>();
      for (const server of ['000', '411', '822'])
        holders.add(await probeServerId(nginx.port, server, cookie, `c${c}-${server}`));
      const info = await GET(nginx.port, `${NODE_PREFIX}/info`, { headers: cookie });
      holders.add(info.header('x-node') ?? '?');
      assert.equal(holders.size, 1, `user-${c} on ${[...holders].join(', ')}`);
      const [holder = '?'] = holders;
      clientsOn.set(holder, (clientsOn.get(holder) ?? 0) + 1);
    }
    assert.deepEqual([...clientsOn.keys()].sort(), [...NODE_NAMES]);
  });

  test('no cookie, or `dummy`: the server id decides, the ids spread over all three', async () => {
    const idsOn = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const server = String(i).padStart(3, '0');
      const bare = await probeServerId(nginx.port, server, {}, `bare-${server}`);
      const dummy = await probeServerId(nginx.port, server, { Cookie: 'JSESSIONID=dummy' }, `dummy-${server}`);
      assert.equal(dummy, bare, `server id ${server}`);
      idsOn.add(bare);
    }
    assert.deepEqual([...idsOn].sort(), [...NODE_NAMES]);
  });
});
