/** Latencies in log buckets (1 % wide, 1 µs to ~20 min): constant memory, percentiles to ±1 %. */
const GROWTH = Math.log(1.01);
const BUCKETS = 2200;

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
}

export class Histogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;

  /** Records one latency in milliseconds. */
  record(ms: number): void {
    const us = ms * 1000;
    const index = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / GROWTH));
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
  }

  /** Upper edge of the bucket holding the q-quantile, in ms. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.exp(i * GROWTH) / 1000;
    }
    return Math.exp((BUCKETS - 1) * GROWTH) / 1000;
  }

  summary(): LatencySummary {
    return { count: this.count, p50Ms: this.quantile(0.5), p99Ms: this.quantile(0.99) };
  }
}
