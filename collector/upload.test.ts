import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UploadError, uploadBundle } from './upload.js';

let dir: string;
let archive: string;
let tokenPath: string;
let srv: Server;
let hub: string;
let handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
const seen: { method?: string; url?: string; auth?: string; type?: string; sha: string; size: number }[] = [];
const logLines: string[] = [];
const log = pino({ level: 'debug' }, { write: (l: string) => void logLines.push(l) });
const body = Buffer.from(Array.from({ length: 50_000 }, (_, i) => `line ${i}`).join('\n'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upload-'));
  archive = join(dir, 'b.tar.gz');
  tokenPath = join(dir, 'token');
  await writeFile(archive, body);
  srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const b = Buffer.concat(chunks);
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], sha: createHash('sha256').update(b).digest('hex'), size: b.length });
      handler(req, res, b);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  hub = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => srv.close(r));
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  seen.length = 0;
  logLines.length = 0;
});

const opts = { namespace: 'eks-node-log', collectionName: 'node-a-1', log, sleep: async () => undefined, random: () => 0.5 };
const ok = (res: ServerResponse) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ bundleId: '20240314T091200Z-abc', node: 'node-a' }));

describe('uploadBundle', () => {
  it('PUTs the whole archive to the ingest path with the bearer token and returns the bundle id', async () => {
    await writeFile(tokenPath, 'sa-token-1\n');
    handler = (_q, res) => ok(res);
    const r = await uploadBundle({ ...opts, archivePath: archive, hubUrl: hub, tokenPath });
    expect(r).toEqual({ bundleId: '20240314T091200Z-abc', node: 'node-a', attempts: 1 });
    expect(seen[0]).toEqual({ method: 'PUT', url: '/ingest/v1/bundles/eks-node-log/node-a-1', auth: 'Bearer sa-token-1', type: 'application/gzip', sha: createHash('sha256').update(body).digest('hex'), size: body.length });
  });

  it('retries 5xx, 429 and dropped connections, restarting from byte zero and re-reading the rotated token', async () => {
    let i = 0;
    handler = (req, res) => {
      i++;
      if (i === 1) return void res.writeHead(503).end('busy');
      if (i === 2) return void req.socket.destroy();
      if (i === 3) {
        writeFileSync(tokenPath, 'sa-token-2');
        return void res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      }
      ok(res);
    };
    await writeFile(tokenPath, 'sa-token-1');
    const delays: number[] = [];
    const r = await uploadBundle({ ...opts, archivePath: archive, hubUrl: hub, tokenPath, baseDelayMs: 100, sleep: async (ms) => void delays.push(ms) });
    expect(r.attempts).toBe(4);
    expect(seen.map((s) => s.size)).toEqual([body.length, body.length, body.length, body.length]);
    expect(seen[3]!.auth).toBe('Bearer sa-token-2');
    // full jitter under an exponential cap; Retry-After raises the third wait to 1 s
    expect(delays).toEqual([50, 100, 1000]);
  });

  it.each([401, 403, 404])('does not retry %i and says what to check', async (status) => {
    await writeFile(tokenPath, 'sa-token-secret-value');
    handler = (_q, res) => res.writeHead(status).end('no');
    const err = await uploadBundle({ ...opts, archivePath: archive, hubUrl: hub, tokenPath }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect(err).toMatchObject({ status, attempts: 1 });
    expect(seen).toHaveLength(1);
  });

  it('when the token file is caught empty mid-rotation, it waits and retries instead of sending no credential', async () => {
    await writeFile(tokenPath, '');
    handler = (_q, res) => ok(res);
    let slept = 0;
    const r = await uploadBundle({ ...opts, archivePath: archive, hubUrl: hub, tokenPath, sleep: async () => {
      slept++;
      await writeFile(tokenPath, 'sa-token-3');
    } });
    expect(r.attempts).toBe(2);
    expect(slept).toBe(1);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer sa-token-3']);
  });

  it('gives up after maxAttempts on a hub that keeps failing', async () => {
    handler = (_q, res) => res.writeHead(500).end('boom');
    const err = await uploadBundle({ ...opts, archivePath: archive, hubUrl: hub, tokenPath, maxAttempts: 3 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 500, attempts: 3 });
    expect(seen).toHaveLength(3);
  });

  it('never writes the token into logs or errors, even when the hub echoes it back', async () => {
    await writeFile(tokenPath, 'sa-token-must-not-leak');
    handler = (req, res) => res.writeHead(500).end(`you sent ${req.headers.authorization}`);
    const err = (await uploadBundle({ ...opts, archivePath: archive, hubUrl: hub, tokenPath, maxAttempts: 2 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('[REDACTED]');
    expect(err.message).not.toContain('sa-token-must-not-leak');
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain('sa-token-must-not-leak');
  });

  it('when the hub is not listening, retries the connection error and then fails', async () => {
    const err = await uploadBundle({ ...opts, archivePath: archive, hubUrl: 'http://127.0.0.1:1', tokenPath, maxAttempts: 2 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ attempts: 2, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('a 2xx without {bundleId, node} is an error, not a success', async () => {
    handler = (_q, res) => res.writeHead(200).end('ok');
    await expect(uploadBundle({ ...opts, archivePath: archive, hubUrl: hub, tokenPath })).rejects.toThrow(/without \{bundleId, node\}/);
  });

  it.each([['a namespace with a slash', 'a/b', 'c'], ['a collection name with ..', 'ns', '..'], ['an upper-case name', 'ns', 'Node']])('refuses %s before any request', async (_n, ns, name) => {
    await expect(uploadBundle({ ...opts, namespace: ns, collectionName: name, archivePath: archive, hubUrl: hub, tokenPath })).rejects.toBeInstanceOf(UploadError);
    expect(seen).toHaveLength(0);
  });
});
