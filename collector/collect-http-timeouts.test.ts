import { createServer, type ServerResponse } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectNode } from './collect.js';
import { loadSources, SourceSchema } from './sources.js';

// A node-local endpoint that sends its headers at once and then its body one byte a second: the
// connect/headers timeout has passed, so only a timeout on the body read can end it.
let dir: string;
let base: string;
const open = new Set<ServerResponse>();
const srv = createServer((req, res) => {
  open.add(res);
  res.on('close', () => open.delete(res));
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.flushHeaders();
  let sent = 0;
  const tick = setInterval(() => {
    if (res.destroyed || sent >= 60) {
      clearInterval(tick);
      return void res.end();
    }
    res.write(req.url === '/latest/api/token' ? 't' : 'x');
    sent++;
  }, 1000);
  res.on('close', () => clearInterval(tick));
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'collect-http-'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const res of open) res.destroy();
  await new Promise((r) => srv.close(r));
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
const stage = () => join(dir, `stage-${n}`);
const collect = (o: Partial<Parameters<typeof collectNode>[0]>) => collectNode({
  hostRoot: dir, stagingDir: join(dir, `stage-${++n}`), node: 'n', method: 'local', sinceMs: Date.now() - 60_000,
  exec: { inPod: false }, log: pino({ level: 'silent' }), minFreeBytes: 1, imdsBaseUrl: 'http://127.0.0.1:1', ...o,
});

describe('http sources: the per-source timeout covers the body', () => {
  it('a body trickling one byte a second is cut at the source timeout, recorded as timeout, and the collection goes on', async () => {
    const t0 = Date.now();
    const m = await collect({ httpTimeoutMs: 1500, sources: [
      SourceSchema.parse({ id: 'trickle', category: 'Networking', kind: 'http', url: `${base}/metrics`, output: 'ipamd/metrics.json' }),
      SourceSchema.parse({ id: 'after', category: 'System', kind: 'command', output: 'system/after.txt', argv: ['echo', 'still here'] }),
    ] });
    const took = Date.now() - t0;
    const rec = m.sources.find((s) => s.id === 'trickle')!;
    expect(rec).toMatchObject({ status: 'timeout', reason: `reading ${base}/metrics not read whole within its 1500 ms timeout`, outputs: ['ipamd/metrics.json'] });
    // headers came at once, then a byte at 1 s; nothing after the 1.5 s budget (the redactor holds
    // an unfinished line, so the kept file has at most that byte)
    expect(rec.bytes).toBe(1);
    expect(['', 'x']).toContain(await readFile(join(stage(), 'ipamd/metrics.json'), 'utf8'));
    expect(m.sources.find((s) => s.id === 'after')!.status).toBe('ok');
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(4000);
  });

  it('a row with its own timeoutMs uses it for the body too', async () => {
    const m = await collect({ httpTimeoutMs: 30_000, sources: [
      SourceSchema.parse({ id: 'own', category: 'Networking', kind: 'http', url: `${base}/v1/enis`, output: 'ipamd/enis.json', timeoutMs: 500 }),
    ] });
    expect(m.sources[0]).toMatchObject({ status: 'timeout', bytes: 0, reason: expect.stringContaining('within its 500 ms timeout') });
    expect(m.sources[0]!.ms).toBeLessThan(2000);
  });

  it('an IMDS token trickling in is cut at the IMDS timeout: every IMDS row is recorded missing after one wait', async () => {
    const t0 = Date.now();
    const m = await collect({ imdsBaseUrl: base, imdsTimeoutMs: 800, sources: loadSources().filter((s) => s.kind === 'http' && s.imds) });
    expect(m.sources.length).toBe(4);
    for (const s of m.sources) expect(s).toMatchObject({ status: 'missing', reason: 'IMDS unavailable: IMDS token not read within 800 ms' });
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
