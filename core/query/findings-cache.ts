import type { FindingsIndex } from '../findings/finding.js';
import type { BundleStore } from '../store/bundle-store.js';
import { type BundleRef, loadFindings } from './bundle-ref.js';

/**
 * Parsed findings indexes, kept between calls: a 10,000-finding index is tens of MB of JSON and
 * `errors` must answer in milliseconds. Entries are checked against the object's size and mtime
 * (one HEAD/stat per call), so a re-ingested bundle is never served stale. Bounded by count.
 */
export class FindingsCache {
  private readonly entries = new Map<string, { stamp: string; index: FindingsIndex }>();

  constructor(private readonly max = 16) {}

  async get(store: BundleStore, ref: BundleRef): Promise<FindingsIndex> {
    const head = await store.head(ref.keys.findings);
    const stamp = head ? `${head.size}:${head.lastModified?.getTime() ?? ''}` : 'absent';
    const hit = this.entries.get(ref.keys.findings);
    if (hit && hit.stamp === stamp) {
      this.entries.delete(ref.keys.findings);
      this.entries.set(ref.keys.findings, hit);
      return hit.index;
    }
    const index = await loadFindings(store, ref);
    this.entries.set(ref.keys.findings, { stamp, index });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return index;
  }
}

export const findingsCache = new FindingsCache();
