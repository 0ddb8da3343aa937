/**
 * `WORKERS=N npm start`: N processes on one machine behind the sticky primary
 * (`sockjs-ts-server/cluster`'s node:cluster mode). The primary listens on HOST:PORT and routes
 * each connection by the server id of its first request; every worker runs the normal demo server
 * and joins the cluster bus on REDIS_URL as `${NODE_ID or host-pid}-w${slot}`, so broadcasts and
 * users reach the sessions of every worker. `WORKER_RESPAWN=0` leaves a dead worker's slot empty;
 * `WORKER_RESPAWN_DELAY` (ms) is how long its replacement waits.
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { acceptStickyConnections, startStickyPrimary, stickyWorkerIndex } from '../server/cluster';
import { acceptTracked, type Listening } from './listen';

/** The WORKERS count, or undefined without it (a single process, as before). Exits on a bad value. */
function workersFromEnv(): number | undefined {
  const value = process.env.WORKERS;
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    console.error(`WORKERS must be a whole number of processes, 1 or more; got "${value}"`);
    process.exit(1);
  }
  return Number(value);
}

function optionalInteger(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  return Number(value);
}

/**
 * In the primary of `WORKERS=N npm start`: forks the workers, routes connections to them, and
 * returns true (the caller then runs no server of its own). False in a worker or without WORKERS.
 */
export async function startPrimaryIfAsked(): Promise<boolean> {
  const workers = workersFromEnv();
  if (workers === undefined || !cluster.isPrimary) return false;
  if (workers > 1 && !process.env.REDIS_URL) {
    console.error(
      `WORKERS=${workers} needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379): the workers are separate ` +
        'processes, and broadcasts and users reach the sessions of the others only through the cluster bus on Redis.',
    );
    process.exit(1);
  }
  const base = process.env.NODE_ID || `${hostname()}-${process.pid}`;
  const host = process.env.HOST ?? '127.0.0.1';
  const respawnDelay = optionalInteger('WORKER_RESPAWN_DELAY');
  const primary = await startStickyPrimary({
    port: Number(process.env.PORT ?? 8080),
    host,
    workers,
    respawn: process.env.WORKER_RESPAWN !== '0',
    ...(respawnDelay === undefined ? {} : { respawnDelay }),
    env: (slot) => ({ NODE_ID: `${base}-w${slot}` }),
  });
  const pids = primary.liveWorkers().map((worker) => `w${worker.index}=${worker.pid}`);
  console.log(`node:cluster primary ${process.pid}: ${workers} workers (${pids.join(', ')}), sticky by server id`);
  console.log(`SockJS test services and demo on http://${host.includes(':') ? `[${host}]` : host}:${primary.port}/`);
  return true;
}

/** In a worker of the sticky primary, how the demo server gets its connections; undefined otherwise. */
export function stickyListening(): ((server: Server) => Promise<Listening>) | undefined {
  if (stickyWorkerIndex() === undefined || cluster.isPrimary) return undefined;
  return (server) => Promise.resolve(acceptTracked(server, acceptStickyConnections));
}
