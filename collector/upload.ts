import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from 'pino';
import { z } from 'zod';

/** The hub's answer to an accepted bundle (its ingest is idempotent: same archive, same id). */
export const IngestResponse = z.object({ bundleId: z.string().min(1), node: z.string().min(1) });
export type IngestResponse = z.infer<typeof IngestResponse>;

export interface UploadOptions {
  archivePath: string;
  /** e.g. https://eks-node-log-mcp.eks-node-log.svc:8443 */
  hubUrl: string;
  namespace: string;
  collectionName: string;
  /** projected service account token: re-read at every attempt, since the kubelet rotates it */
  tokenPath: string;
  log: Logger;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** per attempt, for the whole PUT (default 10 min) */
  attemptTimeoutMs?: number;
  /** injected so tests run fast and deterministically */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** CA bundle for the hub's TLS certificate */
  ca?: string | Buffer;
}

/** The upload failed for good; `status` is the HTTP status when the hub answered. Never holds the token. */
export class UploadError extends Error {
  constructor(message: string, readonly status: number | undefined, readonly attempts: number) {
    super(message);
    this.name = 'UploadError';
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
// the caller can only fix these (token, RBAC, wrong collection): retrying would not help
const PERMANENT = new Set([400, 401, 403, 404, 409, 410, 413, 415, 422]);

type Attempt = { ok: true; body: IngestResponse } | { ok: false; retry: boolean; status?: number; reason: string; retryAfterMs?: number };

/**
 * Streams the archive to `PUT {hub}/ingest/v1/bundles/{namespace}/{collectionName}`. A failed
 * attempt restarts from byte zero (the hub keys bundles by content, so a repeat is harmless):
 * simpler and as safe as resuming. Retries connection errors, 5xx and 429 with exponential
 * backoff and full jitter; 4xx other than 408/429 end it at once.
 */
export async function uploadBundle(o: UploadOptions): Promise<IngestResponse & { attempts: number }> {
  if (!DNS_LABEL.test(o.namespace)) throw new UploadError(`namespace ${JSON.stringify(o.namespace)} is not a DNS label`, undefined, 0);
  if (!NAME.test(o.collectionName)) throw new UploadError(`collection name ${JSON.stringify(o.collectionName)} is not a DNS subdomain name`, undefined, 0);
  const url = new URL(`/ingest/v1/bundles/${o.namespace}/${o.collectionName}`, o.hubUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UploadError(`hub URL must be http(s), got ${url.protocol}`, undefined, 0);
  const max = o.maxAttempts ?? 6;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = o.random ?? Math.random;
  let last: Attempt & { ok: false } = { ok: false, retry: false, reason: 'not attempted' };
  let attempts = 0;
  for (let attempt = 1; attempt <= max; attempt++) {
    attempts = attempt;
    const r = await putOnce(url, o);
    if (r.ok) {
      o.log.info({ node: r.body.node, bundleId: r.body.bundleId, attempts: attempt }, 'Uploaded bundle');
      return { ...r.body, attempts: attempt };
    }
    last = r;
    if (!r.retry || attempt === max) break;
    const backoff = Math.min(o.maxDelayMs ?? 60_000, (o.baseDelayMs ?? 1_000) * 2 ** (attempt - 1));
    const delay = Math.max(r.retryAfterMs ?? 0, Math.floor(random() * backoff));
    o.log.warn({ attempt, status: r.status, reason: r.reason, delayMs: delay }, 'Bundle upload failed, retrying');
    await sleep(delay);
  }
  throw new UploadError(`upload to ${url.origin} failed: ${last.reason}`, last.status, attempts);
}

async function putOnce(url: URL, o: UploadOptions): Promise<Attempt> {
  let token: string;
  try {
    token = (await readFile(o.tokenPath, 'utf8')).trim();
  } catch (err) {
    // the projected token may not be mounted yet right after the pod starts
    return { ok: false, retry: true, reason: `cannot read the token file: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  // caught mid-rotation (the kubelet rewrites the file): try again rather than send no credential
  if (token === '') return { ok: false, retry: true, reason: 'the token file is empty' };
  const size = (await stat(o.archivePath)).size;
  const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/gzip', 'Content-Length': String(size), Authorization: `Bearer ${token}` },
    timeout: o.attemptTimeoutMs ?? 600_000,
    ...(o.ca ? { ca: o.ca } : {}),
  });
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const done = (a: Attempt) => {
      if (!settled) {
        settled = true;
        resolve(a);
      }
    };
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, retry: true, reason: `connection error: ${err.code ?? err.message}` }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n <= 64 * 1024) chunks.push(c);
      });
      res.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, retry: true, reason: `response error: ${err.code ?? err.message}` }));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        // a hub that echoes the request must not leak the token into our logs or errors
        const text = Buffer.concat(chunks).toString('utf8').split(token).join('[REDACTED]');
        if (status >= 200 && status < 300) {
          const parsed = IngestResponse.safeParse(safeJson(text));
          done(parsed.success ? { ok: true, body: parsed.data } : { ok: false, retry: false, status, reason: `hub answered ${status} without {bundleId, node}` });
          return;
        }
        const retry = !PERMANENT.has(status) && (status >= 500 || status === 429 || status === 408);
        const ra = Number(res.headers['retry-after']);
        done({ ok: false, retry, status, reason: `hub answered ${status}${hint(status)}: ${text.slice(0, 200).replace(/\s+/g, ' ')}`, ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: Math.min(ra, 300) * 1000 } : {}) });
      });
    });
    const body = createReadStream(o.archivePath, { highWaterMark: 1 << 20 });
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  });
}

function hint(status: number): string {
  if (status === 401) return ' (token rejected: check the projected token audience)';
  if (status === 403) return ' (the service account may not upload bundles: check RBAC)';
  if (status === 404) return ' (no such collection: it may have been deleted)';
  return '';
}

function safeJson(t: string): unknown {
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}
