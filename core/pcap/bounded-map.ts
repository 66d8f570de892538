/**
 * A Map with a size cap: inserting past the cap evicts the oldest-inserted entry and counts it, so a
 * capture with millions of flows costs a fixed amount of memory and the report says what was dropped.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  evictions = 0;
  // A Map iterator is live and resumes where it stopped. Re-scanning from the start instead would
  // walk over every deleted slot still in V8's table: quadratic once the cap is reached.
  private it: MapIterator<K> | undefined;
  // the oldest live key, once peeked; delete() and clear() drop it, so while set it is current
  private hasHead = false;
  private headKey: K | undefined;

  constructor(readonly cap: number, private readonly onEvict?: (k: K, v: V) => void) {
    super();
  }

  /** Peeks the oldest live key into headKey; false when the map is empty. Amortised O(1). */
  private peek(): boolean {
    if (this.hasHead) return true;
    for (;;) {
      this.it ??= super.keys();
      const n = this.it.next();
      if (n.done) {
        this.it = undefined;
        if (this.size === 0) return false;
        continue; // entries were added behind an exhausted iterator: start a fresh one
      }
      this.headKey = n.value;
      this.hasHead = true;
      return true;
    }
  }

  /** The oldest live entry (insertion order), in amortised O(1). */
  oldest(): [K, V] | undefined {
    return this.peek() ? [this.headKey as K, super.get(this.headKey as K) as V] : undefined;
  }

  override set(k: K, v: V): this {
    if (this.size >= this.cap && !super.has(k) && this.peek()) {
      const first = this.headKey as K;
      const value = this.onEvict ? (super.get(first) as V) : undefined;
      super.delete(first);
      this.hasHead = false;
      this.headKey = undefined;
      this.evictions++;
      this.onEvict?.(first, value as V);
    }
    return super.set(k, v);
  }

  override delete(k: K): boolean {
    if (this.hasHead && this.headKey === k) {
      this.hasHead = false;
      this.headKey = undefined;
    }
    return super.delete(k);
  }

  override clear(): void {
    this.it = undefined;
    this.hasHead = false;
    this.headKey = undefined;
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
