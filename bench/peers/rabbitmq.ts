/**
 * RabbitMQ with Web-STOMP as the STOMP scenarios' peer, when Debian's `rabbitmq-server` is installed:
 * the throw-away node of demo/peers/rabbitmq.ts (shared with the relay tests), Web-STOMP's websocket at
 * `/ws`, and its CPU as beam.smp's (all threads) from /proc/<pid>/stat. `stop()` ends the node for good.
 */
import { rabbitMqMissing, startRabbitMq as startNode } from '../../demo/peers/rabbitmq';
import type { CpuMeter } from '../harness';
import { procMeter } from './processes';

export { rabbitMqMissing };

export interface RabbitMq {
  /** Web-STOMP's port (websocket at /ws). */
  readonly port: number;
  readonly beamPid: number;
  readonly meter: CpuMeter;
  stop(): Promise<void>;
}

/** Starts a node and resolves once Web-STOMP accepts connections. */
export async function startRabbitMq(log: (line: string) => void): Promise<RabbitMq> {
  const node = await startNode({ plugins: ['rabbitmq_web_stomp'], log });
  const beamPid = node.beamPid ?? 0;
  return { port: node.ports.webStomp, beamPid, meter: procMeter(beamPid), stop: () => node.dispose() };
}
