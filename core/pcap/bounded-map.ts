/**
 * A Map with a size cap: inserting past the cap evicts the oldest-inserted entry and counts it, so a
 * capture with millions of flows costs a fixed amount of memory and the report says what was dropped.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  evictions = 0;
  // A Map iterator is live and resumes where it stopped. Re-scanning from the start instead would
  // walk over every deleted slot still in V8's table: quadratic once the cap is reached.
  private it: MapIterator<[K, V]> | undefined;
  private head: [K, V] | undefined;

  constructor(readonly cap: number, private readonly onEvict?: (k: K, v: V) => void) {
    super();
  }

  /** The oldest live entry (insertion order), in amortised O(1). */
  oldest(): [K, V] | undefined {
    for (;;) {
      // a head deleted (or deleted and re-inserted further back) since we peeked is stale
      if (this.head && super.get(this.head[0]) === this.head[1] && super.has(this.head[0])) return this.head;
      this.it ??= super.entries();
      const n = this.it.next();
      if (n.done) {
        this.it = undefined;
        this.head = undefined;
        if (this.size === 0) return undefined;
        continue; // entries were added behind an exhausted iterator: start a fresh one
      }
      this.head = n.value;
    }
  }

  override set(k: K, v: V): this {
    if (this.head && this.head[0] === k) this.head = [k, v];
    if (!super.has(k) && this.size >= this.cap) {
      const first = this.oldest();
      if (first) {
        super.delete(first[0]);
        this.head = undefined;
        this.evictions++;
        this.onEvict?.(first[0], first[1]);
      }
    }
    return super.set(k, v);
  }

  override clear(): void {
    this.it = undefined;
    this.head = undefined;
    super.clear();
  }
}

/** Exact quantiles up to `cap` samples, then a reservoir with a fixed-seed generator (deterministic). */
export class Samples {
  private readonly xs: number[] = [];
  private seen = 0;
  private seed = 0x9e3779b9;
  constructor(private readonly cap: number) {}

  add(x: number): void {
    this.seen++;
    if (this.xs.length < this.cap) {
      this.xs.push(x);
      return;
    }
    this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0;
    const j = this.seed % this.seen;
    if (j < this.cap) this.xs[j] = x;
  }

  quantile(q: number): number | null {
    if (this.xs.length === 0) return null;
    const s = Float64Array.from(this.xs).sort();
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  }
}
