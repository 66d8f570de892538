import { resolve } from 'node:path';
import { buildBaseline } from '../../core/query/baseline.js';
import { type BundleRef, listBundles, resolveBundle } from '../../core/query/bundle-ref.js';
import { FsBundleStore } from '../../core/store/fs-store.js';

/**
 * `baseline`: the cluster's noise profile from the newest bundle of each node in the store (of
 * that cluster, when bundles name one). `errors` then marks findings most nodes share as
 * is_baseline. Rebuilding from the same bundles writes the same file.
 */
export async function runBaseline(o: { store: string; cluster: string }): Promise<number> {
  const store = new FsBundleStore(resolve(o.store));
  const newest = new Map<string, string>();
  for (const b of await listBundles(store)) if (!newest.has(b.node)) newest.set(b.node, b.bundleId);
  const refs: BundleRef[] = [];
  for (const [node, id] of newest) {
    const ref = await resolveBundle(store, node, id);
    if ((ref.manifest.cluster ?? 'default') === o.cluster) refs.push(ref);
  }
  if (refs.length === 0) {
    process.stderr.write(`error: no bundles of cluster "${o.cluster}" in ${store.root}: import some first\n`);
    return 2;
  }
  const b = await buildBaseline(store, o.cluster, refs);
  const shared = Object.values(b.signatures).filter((s) => s.nodes.length >= 2).length;
  process.stdout.write(`baseline ${o.cluster}: ${b.nodeCount} nodes, ${Object.keys(b.signatures).length} signatures, ${shared} seen on 2+ nodes\n`);
  return 0;
}
