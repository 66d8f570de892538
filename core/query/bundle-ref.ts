import type { Manifest } from '../bundle/manifest.js';
import type { FindingsIndex } from '../findings/finding.js';
import { bundleKeys, type BundleStore, NotFoundError } from '../store/bundle-store.js';

export interface BundleRef {
  node: string;
  bundleId: string;
  keys: ReturnType<typeof bundleKeys>;
  manifest: Manifest;
}

/** The caller named something that is not in the store; the message says what is. */
export class UnknownBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownBundleError';
  }
}

const SEGMENT = /^[A-Za-z0-9._-]{1,253}$/;

/** Every bundle in the store, newest first: [node, bundleId] from the manifest keys. */
export async function listBundles(store: BundleStore, node?: string): Promise<{ node: string; bundleId: string }[]> {
  const out: { node: string; bundleId: string }[] = [];
  for await (const o of store.list(node ? `bundles/${node}/` : 'bundles/')) {
    const m = /^bundles\/([^/]+)\/([^/]+)\/manifest\.json$/.exec(o.key);
    if (m) out.push({ node: m[1]!, bundleId: m[2]! });
  }
  return out.sort((a, b) => (a.bundleId < b.bundleId ? 1 : a.bundleId > b.bundleId ? -1 : a.node.localeCompare(b.node)));
}

/**
 * Resolves `node` (node name or instance id) and an optional bundle id to one stored bundle; the
 * default is the node's newest bundle (ids sort by collection time).
 */
export async function resolveBundle(store: BundleStore, node: string, bundleId?: string): Promise<BundleRef> {
  if (!SEGMENT.test(node)) throw new UnknownBundleError(`"${node.slice(0, 80)}" is not a valid node name or instance id`);
  if (bundleId !== undefined && !SEGMENT.test(bundleId)) throw new UnknownBundleError(`"${bundleId.slice(0, 80)}" is not a valid bundle id`);
  let candidates = await listBundles(store, node);
  if (candidates.length === 0) {
    // an instance id may name a node filed under its Kubernetes node name
    const all = await listBundles(store);
    for (const b of all) {
      const m = await loadManifest(store, b.node, b.bundleId).catch(() => undefined);
      if (m?.instanceId === node) candidates.push(b);
    }
    if (candidates.length === 0) {
      const nodes = [...new Set(all.map((b) => b.node))].slice(0, 20);
      throw new UnknownBundleError(
        nodes.length
          ? `no bundle for node "${node}"; nodes with bundles: ${nodes.join(', ')}. Call history to list bundles, or collect to make one.`
          : `no bundles in the store yet; import one (eks-node-log-mcp import <archive>) or call collect.`,
      );
    }
  }
  const pick = bundleId ? candidates.find((b) => b.bundleId === bundleId) : candidates[0];
  if (!pick) {
    throw new UnknownBundleError(`node "${node}" has no bundle "${bundleId}"; its bundles: ${candidates.slice(0, 10).map((b) => b.bundleId).join(', ')}`);
  }
  const manifest = await loadManifest(store, pick.node, pick.bundleId);
  return { node: pick.node, bundleId: pick.bundleId, keys: bundleKeys(pick.node, pick.bundleId), manifest };
}

export async function loadManifest(store: BundleStore, node: string, bundleId: string): Promise<Manifest> {
  return JSON.parse((await store.getBuffer(bundleKeys(node, bundleId).manifest)).toString('utf8')) as Manifest;
}

export async function loadFindings(store: BundleStore, ref: BundleRef): Promise<FindingsIndex> {
  try {
    return JSON.parse((await store.getBuffer(ref.keys.findings)).toString('utf8')) as FindingsIndex;
  } catch (err) {
    if (err instanceof NotFoundError) throw new UnknownBundleError(`bundle ${ref.node}/${ref.bundleId} has no findings index yet (still ingesting?)`);
    throw err;
  }
}

/** Line index of the bundle: path -> [line, offset] pairs, one about every 256 KiB (one per MiB in bundles ingested before). */
export async function loadLineIndex(store: BundleStore, ref: BundleRef): Promise<Record<string, [number, number][]>> {
  try {
    return JSON.parse((await store.getBuffer(ref.keys.lineIndex)).toString('utf8')) as Record<string, [number, number][]>;
  } catch (err) {
    if (err instanceof NotFoundError) return {};
    throw err;
  }
}
