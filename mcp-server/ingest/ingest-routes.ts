import { HttpError } from './http-error.js';

/** The ingest API (DESIGN.md §7): one upload per collection, capture chunks then a completion call. */
export type IngestRoute =
  | { kind: 'bundle'; namespace: string; name: string }
  | { kind: 'chunk'; namespace: string; name: string; seq: number }
  | { kind: 'complete'; namespace: string; name: string };

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PREFIX = '/ingest/v1/';
export const MAX_CHUNK_SEQ = 999_999;

/**
 * Parses the raw request path (as sent: no normalisation, so `..` and encoded slashes are seen and
 * refused, not resolved). Namespace and name must be Kubernetes object names; they end up in store
 * keys and API paths, so anything else is a 400 before any other work.
 * Returns undefined for a path that is not an ingest route at all (404).
 */
export function parseIngestRoute(method: string, rawUrl: string): IngestRoute | undefined {
  const path = rawUrl.split('?')[0] ?? '';
  if (!path.startsWith(PREFIX)) return undefined;
  const raw = path.slice(PREFIX.length).split('/');
  const seg = raw.map(decodeSegment);
  const [kind, ns, name] = seg;
  if (kind === 'bundles' && seg.length === 3) {
    expectMethod(method, 'PUT');
    return { kind: 'bundle', ...names(ns!, name!) };
  }
  if (kind === 'captures' && seg.length === 5 && seg[3] === 'chunks') {
    expectMethod(method, 'PUT');
    const s = seg[4]!;
    if (!/^\d{1,6}$/.test(s) || Number(s) < 1 || Number(s) > MAX_CHUNK_SEQ) throw new HttpError(400, `chunk sequence must be an integer from 1 to ${MAX_CHUNK_SEQ}`);
    return { kind: 'chunk', ...names(ns!, name!), seq: Number(s) };
  }
  if (kind === 'captures' && seg.length === 4 && seg[3] === 'complete') {
    expectMethod(method, 'POST');
    return { kind: 'complete', ...names(ns!, name!) };
  }
  if (seg.some((s) => s === '..' || s === '.' || s.includes('/'))) throw new HttpError(400, 'path segments must be Kubernetes object names');
  return undefined;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path');
  }
}

function names(namespace: string, name: string): { namespace: string; name: string } {
  if (namespace.length > 63 || !NAMESPACE.test(namespace)) throw new HttpError(400, 'namespace must be a Kubernetes namespace name (RFC 1123 label)');
  if (name.length > 253 || !NAME.test(name)) throw new HttpError(400, 'name must be a Kubernetes object name (RFC 1123 subdomain)');
  return { namespace, name };
}

function expectMethod(got: string, want: string): void {
  if (got !== want) throw new HttpError(405, `use ${want} for this path`, { Allow: want });
}
