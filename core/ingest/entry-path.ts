/** Why an archive entry was not stored; recorded in the manifest, never silently dropped. */
export type SkipReason =
  | 'absolute-path' | 'path-traversal' | 'unsafe-characters' | 'path-too-long'
  | 'symlink' | 'hardlink' | 'device-or-special' | 'duplicate-entry' | 'entry-limit'
  | 'file-too-large' | 'empty-path'
  // stored as a file, but its content (the collector's account) was not used: see `detail`
  | 'invalid-collector-manifest';

export type PathCheck = { ok: true; path: string } | { ok: false; reason: SkipReason };

/**
 * Turns a tar entry name into a bundle-relative path, or says why it cannot be one. Checked
 * before anything is written: `..`, absolute and drive-letter paths, backslashes and control
 * characters never reach the store.
 */
export function sanitizeEntryPath(raw: string): PathCheck {
  if (raw.length > 1000) return { ok: false, reason: 'path-too-long' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return { ok: false, reason: 'unsafe-characters' };
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) return { ok: false, reason: 'absolute-path' };
  const segs = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.some((s) => s === '..')) return { ok: false, reason: 'path-traversal' };
  if (segs.length === 0) return { ok: false, reason: 'empty-path' };
  return { ok: true, path: segs.join('/') };
}

/** `eks_i-0abc…_2024-01-02_1504-UTC_0.7.8`: the top folder of an eks-log-collector.sh archive. */
const EKS_TOP = /^eks_(i-[0-9a-f]{8,17})_(\d{4})-(\d\d)-(\d\d)_(\d\d)(\d\d)-UTC_([\w.-]+)$/;

export interface CollectorFolder {
  folder: string;
  instanceId: string;
  collectedAt: string;
  collectorVersion: string;
}

export function parseCollectorFolder(name: string): CollectorFolder | undefined {
  const m = EKS_TOP.exec(name);
  if (!m) return undefined;
  const [, id, y, mo, d, hh, mm, ver] = m;
  const at = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mm));
  if (Number.isNaN(at)) return undefined;
  return { folder: name, instanceId: id!, collectedAt: new Date(at).toISOString(), collectorVersion: ver! };
}

/** Node names and bundle ids become store key segments: keep them to a safe alphabet. */
export function safeSegment(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^\.+/, '').slice(0, 253);
  return clean || 'unknown';
}
