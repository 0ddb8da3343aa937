/**
 * Runs callbacks one after another: a callback that returns a promise holds back the next one
 * until it settles. Calls made from inside a callback run after it, in order.
 */
/** What a call returns is ignored unless it is a thenable, which is awaited. */
export type Call = () => unknown;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

export class SerialCalls {
  private busy = false;
  /** Allocated on first need: most sessions never queue. */
  private queue: Call[] | undefined;

  /** `onError` gets what a call throws or rejects; subclasses may override `reportError` instead. */
  constructor(private readonly onError?: (error: unknown) => void) {}

  protected reportError(error: unknown): void {
    this.onError?.(error);
  }

  run(call: Call): void {
    if (this.busy) {
      (this.queue ??= []).push(call);
      return;
    }
    this.drain(call);
  }

  private drain(first: Call): void {
    this.busy = true;
    let call: Call | undefined = first;
    while (call) {
      let result: unknown;
      try {
        result = call();
      } catch (error) {
        this.reportError(error);
      }
      if (isThenable(result)) {
        result.then(
          () => this.next(),
          (error: unknown) => {
            this.reportError(error);
            this.next();
          },
        );
        return;
      }
      call = this.queue?.shift();
    }
    this.busy = false;
  }

  private next(): void {
    const call = this.queue?.shift();
    if (call) this.drain(call);
    else this.busy = false;
  }
}
