import type { Severity } from '../rules/rule-schema.js';
import { type BundleStore, NotFoundError } from '../store/bundle-store.js';
import type { BundleRef } from './bundle-ref.js';

/**
 * Results that tools hand out ids for besides findings (DESIGN.md §4): search hits `S-…`, network
 * issues `N-…`, capture anomalies `P-…`. They are computed per call, so each tool persists what it
 * returned under `bundles/<node>/<bundleId>/results/<kind>.json`, keyed by id; `summarize` reads
 * them back, so an id an agent got from an earlier call still resolves (or is reported unresolved).
 */
export type ResultKind = 'search' | 'network' | 'capture';

export const KIND_OF_PREFIX: Readonly<Record<string, ResultKind>> = { S: 'search', N: 'network', P: 'capture' };

export function kindOfId(id: string): ResultKind | undefined {
  const m = /^([SNP])-[A-Za-z0-9._-]{1,64}$/.exec(id);
  return m ? KIND_OF_PREFIX[m[1]!] : undefined;
}

export interface CachedResult {
  id: string;
  /** one line saying what the item is, e.g. 'search "InsufficientFree" hit in ipamd.log' */
  summary: string;
  severity?: Severity | null;
  code?: string | null;
  path?: string | null;
  line?: number | null;
  /** UTC time of the item, when it has one */
  t?: string | null;
  text?: string | null;
  evidence?: { path: string; line: number; t?: string | null }[];
}

interface ResultFile {
  schema: 'eks-node-log-mcp/results/v1';
  kind: ResultKind;
  /** ids in insertion order, so the oldest are the ones dropped at the cap */
  items: CachedResult[];
}

/** Per kind and bundle: enough for every id an investigation hands out, bounded so the file stays small. */
export const MAX_RESULTS_PER_KIND = 5000;

export const resultsKey = (ref: Pick<BundleRef, 'keys'>, kind: ResultKind) => `${ref.keys.base}/results/${kind}.json`;

export async function loadResults(store: BundleStore, ref: Pick<BundleRef, 'keys'>, kind: ResultKind): Promise<Map<string, CachedResult>> {
  let raw: Buffer;
  try {
    raw = await store.getBuffer(resultsKey(ref, kind));
  } catch (err) {
    if (err instanceof NotFoundError) return new Map();
    throw err;
  }
  const file = JSON.parse(raw.toString('utf8')) as Partial<ResultFile>;
  const items = Array.isArray(file.items) ? file.items : [];
  return new Map(items.filter((r) => r && typeof r.id === 'string').map((r) => [r.id, r]));
}

// read-modify-write of one object: calls in this process are queued per key so two tools saving
// at once do not drop each other's ids (the store has no compare-and-swap to do better across processes)
const queues = new Map<string, Promise<unknown>>();

/** Adds or replaces `items` by id (idempotent: saving the same result twice stores it once). */
export async function saveResults(store: BundleStore, ref: Pick<BundleRef, 'keys'>, kind: ResultKind, items: readonly CachedResult[]): Promise<void> {
  for (const r of items) {
    if (kindOfId(r.id) !== kind) throw new Error(`result id ${r.id} is not a ${kind} id`);
  }
  const key = resultsKey(ref, kind);
  const run = (queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(async () => {
    const map = await loadResults(store, ref, kind);
    for (const r of items) {
      map.delete(r.id); // re-saved ids move to the end: they are the freshest
      map.set(r.id, r);
    }
    const all = [...map.values()];
    const file: ResultFile = { schema: 'eks-node-log-mcp/results/v1', kind, items: all.slice(Math.max(0, all.length - MAX_RESULTS_PER_KIND)) };
    await store.put(key, JSON.stringify(file));
  });
  queues.set(key, run);
  try {
    await run;
  } finally {
    if (queues.get(key) === run) queues.delete(key);
  }
}
