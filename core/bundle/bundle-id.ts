/** 20240102T150405Z: sorts by time as bundle and capture ids must. */
export function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * The bundle id of a cluster collection: its creation time plus a prefix of its UID. Known before
 * any byte arrives (so the hub can ingest the upload as a stream) and the same for every retried
 * upload of that collection — the retry overwrites, never duplicates.
 */
export function collectionBundleId(creationTimestamp: string | Date | undefined, uid: string): string {
  const t = creationTimestamp ? new Date(creationTimestamp).getTime() : NaN;
  if (!Number.isFinite(t)) throw new Error('collection has no creation timestamp');
  const u = uid.replace(/[^a-f0-9]/gi, '').toLowerCase().slice(0, 10);
  if (u.length < 8) throw new Error('collection has no usable uid');
  return `${compactTime(t)}-${u}`;
}
