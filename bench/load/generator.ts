/** The load generator process: runs one load at a time for the runner, over IPC. */
import { fdLimit, serveRpc } from '../ipc';
import { startBroadcast, type BroadcastArgs } from './broadcast';
import { startEcho, type EchoArgs } from './echo';
import { startHold, type HoldArgs } from './hold';
import type { Load } from './open';
import { startSetup, type SetupArgs } from './setup';
import { startStompEcho, type StompEchoArgs } from './stomp-echo';
import { startStompFanout, type StompFanoutArgs } from './stomp-fanout';

let active: Load | undefined;
let cpuAtMark = process.cpuUsage();

function current(): Load {
  if (!active) throw new Error('no load running');
  return active;
}

async function start(make: () => Promise<Load>): Promise<null> {
  if (active) throw new Error('a load is already running');
  active = await make();
  return null;
}

serveRpc(
  {
    echo: (args) => start(() => startEcho(args as EchoArgs)),
    broadcast: (args) => start(() => startBroadcast(args as BroadcastArgs)),
    hold: (args) => start(() => startHold(args as HoldArgs)),
    setup: (args) => start(() => startSetup(args as SetupArgs)),
    stompFanout: (args) => start(() => startStompFanout(args as StompFanoutArgs)),
    stompEcho: (args) => start(() => startStompEcho(args as StompEchoArgs)),
    mark: () => {
      current().mark();
      cpuAtMark = process.cpuUsage();
      return null;
    },
    collect: () => {
      const cpu = process.cpuUsage(cpuAtMark);
      return { ...current().collect(), cpuUs: cpu.user + cpu.system };
    },
    close: async () => {
      const load = active;
      active = undefined;
      await load?.close();
      return null;
    },
    exit: () => {
      setTimeout(() => process.exit(0), 20);
      return null;
    },
  },
  { pid: process.pid, fdLimit: fdLimit() },
);
