import { request } from 'node:http';
import type { Readable } from 'node:stream';

export interface UploadAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * One HTTP request with the path sent exactly as given (fetch would normalise `..` away, hiding
 * what a hostile client can send). A Readable body is streamed with chunked encoding.
 */
export function httpSend(base: string, o: { method?: string; path: string; token?: string; contentType?: string; body?: Buffer | Readable; abortAfterBytes?: number }): Promise<UploadAnswer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.contentType) headers['content-type'] = o.contentType;
    if (Buffer.isBuffer(o.body)) headers['content-length'] = String(o.body.length);
    const req = request({ host: u.hostname, port: u.port, method: o.method ?? 'PUT', path: o.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          body = { raw: text };
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    // the server may answer (413, 401) and close before the body is all sent: the answer counts
    req.on('error', (err) => (o.abortAfterBytes !== undefined ? resolve({ status: 0, headers: {}, body: {} }) : reject(err)));
    if (o.abortAfterBytes !== undefined && Buffer.isBuffer(o.body)) {
      req.write(o.body.subarray(0, o.abortAfterBytes));
      setTimeout(() => {
        req.destroy();
        resolve({ status: 0, headers: {}, body: {} });
      }, 300);
      return;
    }
    if (!o.body) req.end();
    else if (Buffer.isBuffer(o.body)) req.end(o.body);
    else o.body.pipe(req);
  });
}
