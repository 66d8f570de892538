import type { Readable } from 'node:stream';

/** What the store knows about one object. */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface PutOptions {
  contentType?: string;
}

/**
 * The port every part of the product uses to keep bundles (DESIGN.md §3). Keys are POSIX-style
 * relative paths (`bundles/<node>/<bundleId>/files/kubelet/kubelet.log`); the same layout holds on
 * the filesystem adapter (the embedded default) and on the S3 adapter. Shaped by the domain, not by
 * an SDK: streams in, streams out, ranges for `read`, listing by prefix.
 */
export interface BundleStore {
  readonly kind: 'fs' | 's3';
  /** Stores a whole object; a stream body is consumed with back-pressure. Resolves with bytes written. */
  put(key: string, body: Readable | Buffer | string, opts?: PutOptions): Promise<{ size: number }>;
  /** Streams an object; rejects with NotFoundError when the key is absent. */
  get(key: string): Promise<Readable>;
  /** Streams bytes [start, end) of an object; `end` is clamped to the object size. */
  getRange(key: string, start: number, end: number): Promise<Readable>;
  /** Reads a small object (manifest, findings) whole. */
  getBuffer(key: string): Promise<Buffer>;
  /** Metadata, or undefined when the key is absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in lexicographic key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Removes one object; absent keys are not an error (NotFound is done). */
  delete(key: string): Promise<void>;
  /** Removes every object under a prefix. */
  deletePrefix(prefix: string): Promise<number>;
}

export class NotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no object at key ${JSON.stringify(key)}`);
    this.name = 'NotFoundError';
  }
}

export class UnsafeKeyError extends Error {
  constructor(readonly key: string, reason: string) {
    super(`refused store key ${JSON.stringify(key.slice(0, 200))}: ${reason}`);
    this.name = 'UnsafeKeyError';
  }
}

/**
 * Every adapter calls this before touching a key, so no caller can escape the store root or write
 * an S3 key that a filesystem store could not hold. Defence in depth: ingest already sanitises paths.
 */
export function assertSafeKey(key: string): void {
  if (key.length === 0) throw new UnsafeKeyError(key, 'empty key');
  if (key.length > 1024) throw new UnsafeKeyError(key, 'longer than 1024 characters');
  if (key.startsWith('/')) throw new UnsafeKeyError(key, 'absolute key');
  if (key.includes('\\')) throw new UnsafeKeyError(key, 'backslash in key');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new UnsafeKeyError(key, 'control character in key');
  for (const seg of key.split('/')) {
    if (seg === '..' || seg === '.') throw new UnsafeKeyError(key, `"${seg}" segment`);
    if (seg === '' ) throw new UnsafeKeyError(key, 'empty segment');
  }
}

/** Keys of one bundle (DESIGN.md §3). */
export const bundleKeys = (node: string, bundleId: string) => {
  const base = `bundles/${node}/${bundleId}`;
  return {
    base,
    archive: `${base}/bundle.tar.gz`,
    file: (path: string) => `${base}/files/${path}`,
    filesPrefix: `${base}/files/`,
    manifest: `${base}/manifest.json`,
    findings: `${base}/findings.json`,
    events: `${base}/events.jsonl.gz`,
    lineIndex: `${base}/line-index.json`,
  };
};
