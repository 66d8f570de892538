/**
 * One value per AWS region, made on first use: SDK clients are bound to a region and meant to be
 * reused, and a cluster's nodes may sit in several regions. `values()` is for closing them.
 */
export function perRegion<T>(make: (region: string) => T): ((region: string) => T) & { values(): IterableIterator<T> } {
  const made = new Map<string, T>();
  const get = (region: string): T => {
    let v = made.get(region);
    if (v === undefined) {
      v = make(region);
      made.set(region, v);
    }
    return v;
  };
  return Object.assign(get, { values: () => made.values() });
}
