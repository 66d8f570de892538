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
  /** told before each retry (the agent reports "hub unavailable, retrying" in the resource's status) */
  onRetry?: (attempt: number, reason: string) => void | Promise<void>;
}

/** Where one request goes and what it carries; the retry policy is the same for every hub call. */
interface HubRequest<T> {
  url: URL;
  method: 'PUT' | 'POST';
  contentType: string;
  /** the file to stream as the body; none: an empty body */
  filePath?: string;
  /** validates a 2xx answer; undefined: the answer was not what the hub promises */
  accept: (body: unknown) => T | undefined;
  what: string;
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

type Attempt<T = IngestResponse> = { ok: true; body: T } | { ok: false; retry: boolean; status?: number; reason: string; retryAfterMs?: number };

/**
 * Streams the archive to `PUT {hub}/ingest/v1/bundles/{namespace}/{collectionName}`. A failed
 * attempt restarts from byte zero (the hub keys bundles by content, so a repeat is harmless):
 * simpler and as safe as resuming. Retries connection errors, 5xx and 429 with exponential
 * backoff and full jitter; 4xx other than 408/429 end it at once.
 */
export async function uploadBundle(o: UploadOptions): Promise<IngestResponse & { attempts: number }> {
  checkNames(o.namespace, o.collectionName);
  const url = hubUrl(o.hubUrl, `/ingest/v1/bundles/${o.namespace}/${o.collectionName}`);
  const r = await send(o, { url, method: 'PUT', contentType: 'application/gzip', filePath: o.archivePath, accept: (b) => IngestResponse.safeParse(b).data, what: '{bundleId, node}' });
  o.log.info({ node: r.body.node, bundleId: r.body.bundleId, attempts: r.attempts }, 'Uploaded bundle');
  return { ...r.body, attempts: r.attempts };
}

export type HubCallOptions = Omit<UploadOptions, 'archivePath' | 'collectionName'> & { captureName: string };

/** One capture chunk (a whole pcap file), `PUT …/captures/{ns}/{name}/chunks/{seq}` (seq from 1); a re-sent chunk replaces itself. */
export async function uploadCaptureChunk(o: HubCallOptions & { seq: number; path: string }): Promise<{ attempts: number }> {
  checkNames(o.namespace, o.captureName);
  if (!Number.isInteger(o.seq) || o.seq < 1) throw new UploadError(`chunk number must be a positive integer, got ${o.seq}`, undefined, 0);
  const url = hubUrl(o.hubUrl, `/ingest/v1/captures/${o.namespace}/${o.captureName}/chunks/${o.seq}`);
  const r = await send(o, { url, method: 'PUT', contentType: 'application/vnd.tcpdump.pcap', filePath: o.path, accept: (b) => (b && typeof b === 'object' ? b : undefined), what: 'a JSON object' });
  return { attempts: r.attempts };
}

/** `POST …/captures/{ns}/{name}/complete`: every chunk is in; the hub analyses the capture and completes it. */
export async function completeCaptureUpload(o: HubCallOptions): Promise<{ attempts: number }> {
  checkNames(o.namespace, o.captureName);
  const url = hubUrl(o.hubUrl, `/ingest/v1/captures/${o.namespace}/${o.captureName}/complete`);
  const r = await send(o, { url, method: 'POST', contentType: 'application/json', accept: (b) => (b && typeof b === 'object' ? b : undefined), what: 'a JSON object' });
  return { attempts: r.attempts };
}

function checkNames(namespace: string, name: string): void {
  if (!DNS_LABEL.test(namespace)) throw new UploadError(`namespace ${JSON.stringify(namespace)} is not a DNS label`, undefined, 0);
  if (!NAME.test(name)) throw new UploadError(`resource name ${JSON.stringify(name)} is not a DNS subdomain name`, undefined, 0);
}

function hubUrl(base: string, path: string): URL {
  const url = new URL(path, base);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UploadError(`hub URL must be http(s), got ${url.protocol}`, undefined, 0);
  return url;
}

/**
 * One hub call with the retry policy: a failed attempt restarts from byte zero (every hub call is
 * idempotent), connection errors, 5xx and 429 back off exponentially with full jitter, other 4xx
 * end it at once.
 */
async function send<T>(o: Omit<UploadOptions, 'archivePath' | 'collectionName' | 'namespace'>, r: HubRequest<T>): Promise<{ body: T; attempts: number }> {
  const max = o.maxAttempts ?? 6;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((res) => setTimeout(res, ms)));
  const random = o.random ?? Math.random;
  let last: Attempt<T> & { ok: false } = { ok: false, retry: false, reason: 'not attempted' };
  let attempts = 0;
  for (let attempt = 1; attempt <= max; attempt++) {
    attempts = attempt;
    const a = await putOnce(o, r);
    if (a.ok) return { body: a.body, attempts: attempt };
    last = a;
    if (!a.retry || attempt === max) break;
    const backoff = Math.min(o.maxDelayMs ?? 60_000, (o.baseDelayMs ?? 1_000) * 2 ** (attempt - 1));
    const delay = Math.max(a.retryAfterMs ?? 0, Math.floor(random() * backoff));
    o.log.warn({ attempt, status: a.status, reason: a.reason, delayMs: delay, url: r.url.pathname }, 'Hub call failed, retrying');
    await o.onRetry?.(attempt, a.reason);
    await sleep(delay);
  }
  throw new UploadError(`upload to ${r.url.origin} failed: ${last.reason}`, last.status, attempts);
}

async function putOnce<T>(o: Pick<UploadOptions, 'tokenPath' | 'attemptTimeoutMs' | 'ca'>, r: HubRequest<T>): Promise<Attempt<T>> {
  const url = r.url;
  let token: string;
  try {
    token = (await readFile(o.tokenPath, 'utf8')).trim();
  } catch (err) {
    // the projected token may not be mounted yet right after the pod starts
    return { ok: false, retry: true, reason: `cannot read the token file: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  // caught mid-rotation (the kubelet rewrites the file): try again rather than send no credential
  if (token === '') return { ok: false, retry: true, reason: 'the token file is empty' };
  const size = r.filePath ? (await stat(r.filePath)).size : 0;
  const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method: r.method,
    headers: { 'Content-Type': r.contentType, 'Content-Length': String(size), Authorization: `Bearer ${token}` },
    timeout: o.attemptTimeoutMs ?? 600_000,
    ...(o.ca ? { ca: o.ca } : {}),
  });
  return new Promise<Attempt<T>>((resolve) => {
    let settled = false;
    const done = (a: Attempt<T>) => {
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
          const body = r.accept(safeJson(text));
          done(body !== undefined ? { ok: true, body } : { ok: false, retry: false, status, reason: `hub answered ${status} without ${r.what}` });
          return;
        }
        const retry = !PERMANENT.has(status) && (status >= 500 || status === 429 || status === 408);
        const ra = Number(res.headers['retry-after']);
        done({ ok: false, retry, status, reason: `hub answered ${status}${hint(status)}: ${text.slice(0, 200).replace(/\s+/g, ' ')}`, ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: Math.min(ra, 300) * 1000 } : {}) });
      });
    });
    if (!r.filePath) {
      req.end();
      return;
    }
    const body = createReadStream(r.filePath, { highWaterMark: 1 << 20 });
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  });
}

function hint(status: number): string {
  if (status === 401) return ' (token rejected: check the projected token audience)';
  if (status === 403) return ' (the service account may not upload: check --collector-sa on the hub)';
  if (status === 404) return ' (no such collection or capture: it may have been deleted)';
  return '';
}

function safeJson(t: string): unknown {
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}
