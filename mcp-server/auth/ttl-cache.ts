/**
 * A small map with a time to live and a size cap (the oldest entry goes first). Enough to spare the
 * API server one TokenReview and a few SubjectAccessReviews per MCP request; short TTLs keep a
 * revoked token or a removed RoleBinding effective within seconds.
 */
export class TtlCache<V> {
  private readonly m = new Map<string, { v: V; until: number }>();

  constructor(private readonly maxEntries: number, private readonly now: () => number) {}

  get(key: string): V | undefined {
    const e = this.m.get(key);
    if (!e) return undefined;
    if (e.until <= this.now()) {
      this.m.delete(key);
      return undefined;
    }
    return e.v;
  }

  set(key: string, v: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.m.delete(key);
    this.m.set(key, { v, until: this.now() + ttlMs });
    while (this.m.size > this.maxEntries) {
      const oldest = this.m.keys().next().value;
      if (oldest === undefined) break;
      this.m.delete(oldest);
    }
  }

  get size(): number {
    return this.m.size;
  }
}
