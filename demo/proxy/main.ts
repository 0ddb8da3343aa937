/**
 * `npm run demo:proxy`: our server behind a real nginx in four hostile modes, an unmodified
 * sockjs-client session (Node) through each, and what happened — the transport each client ended
 * on, and whether every message still arrived. Then `resume`: the loss/duplication harness,
 * thousands of messages each way through each mode with connections cut, for sockjs-client and our
 * own client with and without the resume extension.
 *
 *   node dist/demo/proxy/main.js [no-upgrade] [buffering] [idle-cut] [drop] [resume]   (default: all five)
 *
 * nginx: /usr/sbin/nginx, or the `NGINX` environment variable. Loopback ports only; the config,
 * pid, logs and temp files of each nginx live in a temporary directory removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import type { CloseInfo } from '../../server';
import type { ClientCloseEvent } from './client';
import { findNginx } from './nginx';
import type { Attempt } from './attempts';
import { droppedConnectionScenario } from './dropped-connection';
import { bufferingScenario, noUpgradeScenario, type FallbackResult } from './fallback';
import { idleCutScenario } from './idle-cut';
import { printResumeHarness } from './resume-report';
import type { ScenarioContext } from './rig';
import { describeCheck, formatNumbers } from './sequence';
import { ChangeBus, Stack } from './wait';

const MODES = ['no-upgrade', 'buffering', 'idle-cut', 'drop', 'resume'] as const;
type Mode = (typeof MODES)[number];

function isMode(name: string): name is Mode {
  return MODES.some((mode) => mode === name);
}

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function closeText(close: ClientCloseEvent | CloseInfo | undefined): string {
  return close ? `${close.code} "${close.reason}"` : 'open';
}

function attemptsText(attempts: readonly Attempt[]): string {
  return attempts
    .map((a) => {
      const state = a.dropped ? 'dropped before the end' : a.ended ? 'ended' : 'still streaming';
      return `${a.transport} → ${a.status === undefined ? 'no status' : String(a.status)} (${state})`;
    })
    .join(', ');
}

function printFallback(result: FallbackResult): void {
  print(`   proxy: ${result.proxyUrl}`);
  print(
    `   sockjs-client options: ${result.transports ? `transports ${result.transports.join(', ')}, ` : 'no transports restriction, '}timeout ${result.timeout} ms`,
  );
  print(`   reached the server: ${attemptsText(result.attempts)}`);
  for (const entry of result.bodyBytesToClient) {
    print(`   nginx access log: ${entry.transport} ${entry.status}, ${entry.bytes} body bytes to the client`);
  }
  print(
    `   server sessions: ${result.serverSessions.map((s) => `${s.transport} (${closeText(s.closed)})`).join(', ')}`,
  );
  print(`   => client ended on ${result.endedOn} after ${result.openMs} ms; ${describeCheck(result.echoes)}`);
}

async function run(mode: Mode, ctx: ScenarioContext): Promise<void> {
  switch (mode) {
    case 'no-upgrade': {
      print('1. nginx that does not pass Upgrade (demo/proxy/nginx/no-upgrade.conf)');
      printFallback(await noUpgradeScenario(ctx));
      return;
    }
    case 'buffering': {
      print('2. nginx buffering responses, 16 KiB buffers (demo/proxy/nginx/buffering.conf)');
      printFallback(await bufferingScenario(ctx));
      return;
    }
    case 'idle-cut': {
      print('3. nginx cutting connections idle for 2 s (demo/proxy/nginx/idle-cut.conf)');
      const result = await idleCutScenario(ctx);
      print(
        `   heartbeatDelay ${result.heartbeatDelay} ms, responseLimit ${result.responseLimit}, ${result.durationMs} ms of traffic`,
      );
      print(`   idle phases (no message either way): ${result.idlePhasesMs.map((ms) => `${ms} ms`).join(', ')}`);
      for (const s of result.sessions) {
        print(
          `   ${s.transport}: ${s.heartbeats} heartbeats, ${s.receivingRequests} receiving request(s), ${s.serverSessions} server session(s), client ${closeText(s.clientClose)}, server ${closeText(s.serverClose)}`,
        );
        print(
          `      echoes ${describeCheck(s.echoes)}; pushes ${describeCheck(s.pushes)}; server got ${describeCheck(s.received)}`,
        );
      }
      const c = result.contrast;
      print(
        `   contrast, heartbeatDelay ${c.heartbeatDelay} ms on ${c.transport}: server closed ${closeText(c.serverClose)} ${c.closedAfterIdleMs ?? '?'} ms into the idle phase;`,
      );
      print(
        `      sockjs-client readyState then: ${c.clientReadyState}${c.clientReadyState === 1 ? ' (its Node XHR driver ignores a response cut mid-chunk: it never notices; in a browser sockjs-client closes with 1006)' : ''}, close ${closeText(c.clientClose)}`,
      );
      return;
    }
    case 'drop': {
      print(
        '4. a TCP cutter in front of nginx (close-delimited responses, demo/proxy/nginx/close-delimited.conf) drops one connection',
      );
      const result = await droppedConnectionScenario(ctx);
      for (const cell of result.cells) {
        const outcome = cell.survived
          ? `SURVIVED (same session, ${cell.receivingRequests} receiving requests)`
          : `closed: client ${closeText(cell.clientClose)}, server ${closeText(cell.serverClose)}`;
        print(
          `   onDroppedResponse '${cell.policy}', ${cell.transport}, cut ${cell.cut} [${cell.cutCarried}]: ${outcome}`,
        );
        if (cell.echoes && cell.received)
          print(`      echoes ${describeCheck(cell.echoes)}; server got ${describeCheck(cell.received)}`);
        if (cell.pushes) {
          const lost = cell.lost ?? [];
          print(
            `      pushes ${cell.lost ? `${cell.pushes.got}/${cell.pushes.expected}, ${cell.pushes.duplicates.length} twice, ${cell.pushes.outOfOrder} out of order, lost in flight: ${lost.length ? formatNumbers(lost) : 'none'}` : describeCheck(cell.pushes)}`,
          );
        }
        if (cell.afterCut) print(`      after the cut: ${describeCheck(cell.afterCut)}`);
        if (cell.echoLostSilently !== undefined) {
          print(
            `      the server got the message; its echo ${cell.echoLostSilently ? 'never reached the client, and nobody noticed' : 'arrived'}`,
          );
        }
      }
      print(`   (${result.durationMs} ms)`);
      return;
    }
    case 'resume': {
      print(
        '5. own client with resume: 3000 numbered messages each way through each mode, connections cut 4 times (demo/proxy/resume.ts)',
      );
      await printResumeHarness(ctx, print);
      return;
    }
  }
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((arg) => !isMode(arg));
  if (unknown.length) throw new Error(`unknown mode(s) ${unknown.join(', ')}; choose from ${MODES.join(', ')}`);
  const modes: readonly Mode[] = requested.length ? requested.filter(isMode) : MODES;
  const nginxBin = findNginx();
  if (!nginxBin) {
    print('nginx not found: install nginx-light (or nginx), or set NGINX=/path/to/nginx');
    process.exitCode = 1;
    return;
  }
  // `nginx -v` answers on stderr: "nginx version: nginx/1.22.1".
  const version = spawnSync(nginxBin, ['-v'], { encoding: 'utf8' })
    .stderr.trim()
    .replace(/^nginx version: /, '');
  const sockjsVersion = (require('sockjs-client/package.json') as { version: string }).version;
  print(
    `Our SockJS server behind a real nginx (${version || 'nginx'}, ${nginxBin}), sockjs-client ${sockjsVersion} in Node ${process.version}.`,
  );
  print();
  let stack = new Stack();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void stack
      .dispose()
      .catch((error: unknown) => print(`cleanup failed: ${String(error)}`))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let failed = false;
  for (const mode of modes) {
    const ctx: ScenarioContext = { bus: new ChangeBus(), stack, nginxBin, log: (line) => print(`   · ${line}`) };
    try {
      await run(mode, ctx);
    } catch (error) {
      failed = true;
      print(`   FAILED: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await stack.dispose();
      stack = new Stack();
    }
    print();
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
