import { request } from 'node:http';
import type { Readable } from 'node:stream';

export type HttpOutcome =
  | { ok: true; body: Readable }
  | { ok: false; status: 'missing' | 'failed' | 'timeout'; reason: string };

/**
 * One plain-HTTP request to a node-local endpoint (IPAMD introspection, metrics, IMDS). The timeout
 * covers connect and headers; the body is then streamed by the caller, who caps it in size and time. The only
 * client used: node-local endpoints never speak TLS.
 */
export function httpRequest(url: string, o: { method?: 'GET' | 'PUT'; headers?: Record<string, string>; timeoutMs: number }): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, timeout: o.timeoutMs }, (res) => {
      clearTimeout(timer);
      const code = res.statusCode ?? 0;
      if (code < 200 || code >= 300) {
        res.resume();
        resolve({ ok: false, status: code === 404 ? 'missing' : 'failed', reason: `HTTP ${code} from ${redactUrl(url)}` });
        return;
      }
      // once headers arrived the timeout is the caller's (it bounds the body read by the source's timeout)
      req.setTimeout(0);
      resolve({ ok: true, body: res });
    });
    // `timeout` only fires on an idle socket; a hard timer also covers a slow connect
    const timer = setTimeout(() => {
      req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
    }, o.timeoutMs);
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ETIMEDOUT') resolve({ ok: false, status: 'timeout', reason: `no answer from ${redactUrl(url)} within ${o.timeoutMs} ms` });
      else if (err.code === 'ECONNREFUSED') resolve({ ok: false, status: 'missing', reason: `nothing listens at ${redactUrl(url)}` });
      else resolve({ ok: false, status: 'failed', reason: `${redactUrl(url)}: ${err.code ?? err.message}` });
    });
    req.end();
  });
}

/** Origin and path only: a query string could hold a credential. */
function redactUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/**
 * IMDSv2: one session token per collection, fetched with a short timeout. Off EC2 (or with the hop
 * limit too low for a pod) the token request fails once and every IMDS source is recorded missing
 * without waiting again.
 */
export class ImdsClient {
  private token?: Promise<{ token: string } | { reason: string; status: 'missing' | 'failed' | 'timeout' }>;

  constructor(private readonly baseUrl: string, private readonly timeoutMs: number) {}

  async get(path: string): Promise<HttpOutcome> {
    this.token ??= this.fetchToken();
    const t = await this.token;
    if ('reason' in t) return { ok: false, status: t.status === 'timeout' ? 'missing' : t.status, reason: `IMDS unavailable: ${t.reason}` };
    return httpRequest(`${this.baseUrl}${path}`, { headers: { 'X-aws-ec2-metadata-token': t.token }, timeoutMs: this.timeoutMs });
  }

  private async fetchToken(): Promise<{ token: string } | { reason: string; status: 'missing' | 'failed' | 'timeout' }> {
    const r = await httpRequest(`${this.baseUrl}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '300' }, timeoutMs: this.timeoutMs });
    if (!r.ok) return { reason: r.reason, status: r.status };
    // the same short timeout for the body: a token trickling in would otherwise stall every IMDS row
    let slow = false;
    const timer = setTimeout(() => {
      slow = true;
      r.body.destroy();
    }, this.timeoutMs);
    const chunks: Buffer[] = [];
    let n = 0;
    try {
      for await (const c of r.body) {
        n += (c as Buffer).length;
        if (n > 4096) return { reason: 'IMDS token response too large', status: 'failed' };
        chunks.push(c as Buffer);
      }
    } catch (err) {
      if (!slow) return { reason: `IMDS token: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, status: 'failed' };
    } finally {
      clearTimeout(timer);
      r.body.destroy();
    }
    if (slow) return { reason: `IMDS token not read within ${this.timeoutMs} ms`, status: 'timeout' };
    return { token: Buffer.concat(chunks).toString('utf8').trim() };
  }
}
