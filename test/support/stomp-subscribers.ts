/**
 * Fake broker subscribers for the broker's unit and property tests: plain objects that record what
 * they were handed, with a switch for `ready` and a hook to call the broker back from `deliver`.
 */
import type { Settlement, Subscriber } from '../../server/stomp/broker/broker';
import { type AckMode, OutboundMessage } from '../../server/stomp/message';

export interface Delivery {
  readonly message: OutboundMessage;
  readonly settle: ((outcome: Settlement) => void) | undefined;
}

let subscriptions = 0;

export class FakeSubscriber implements Subscriber {
  readonly deliveries: Delivery[] = [];
  readonly subscriptionId = `sub-${subscriptions++}`;
  ready = true;
  /** Called after each delivery is recorded: where a test calls the broker back. */
  onDeliver: ((delivery: Delivery) => void) | undefined;

  constructor(
    readonly destination: string,
    readonly ack: AckMode = 'client-individual',
    readonly sessionId = 'session-1',
  ) {}

  deliver(message: OutboundMessage, settle?: (outcome: Settlement) => void): void {
    const delivery = { message, settle };
    this.deliveries.push(delivery);
    this.onDeliver?.(delivery);
  }

  /** The bodies handed to it, in order. */
  get bodies(): string[] {
    return this.deliveries.map((delivery) => delivery.message.body);
  }

  /** Settles its n-th delivery (0-based). */
  settle(index: number, outcome: Settlement): void {
    const settle = this.deliveries[index]?.settle;
    if (settle === undefined) throw new Error(`delivery ${index} has no settle callback`);
    settle(outcome);
  }
}

let messages = 0;

/** A text message to `destination` whose body is `body`. */
export function textMessage(destination: string, body: string): OutboundMessage {
  return new OutboundMessage(destination, `message-${messages++}`, body, 'text/plain');
}
