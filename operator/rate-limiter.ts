/**
 * Token bucket for the operator's API requests (client-go's QPS/Burst): however many resources
 * are created at once, the operator never sends more than `qps` requests per second on average
 * after an initial `burst`. Requests wait for a token in FIFO order.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error('TokenBucket needs qps > 0 and burst >= 1');
    this.tokens = burst;
    this.last = now();
  }

  /** Resolves when a token was taken. */
  take(): Promise<void> {
    const next = this.chain.then(() => this.waitForToken());
    this.chain = next;
    return next;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.qps) * 1000)));
    }
  }
}
