import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pino from 'pino';
import { ingestBundle } from '../../core/ingest/ingest-bundle.js';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { startHttp } from '../../mcp-server/http.js';

/**
 * `errors` latency through the real HTTP transport on a bundle with >= 10,000 findings (budget:
 * p95 <= 50 ms). The bundle is real: a kernel log where 12,000 differently named processes were
 * OOM-killed, ingested like any other, so each process is its own finding.
 *   node dist/test/bench/errors-bench.js [--findings 12000] [--calls 300]
 */
const args = process.argv.slice(2);
const arg = (k: string, d: number) => (args.includes(k) ? Number(args[args.indexOf(k) + 1]) : d);
const nFindings = arg('--findings', 12_000);
const calls = arg('--calls', 300);

const work = await mkdtemp(join(tmpdir(), 'errors-bench-'));
try {
  const dir = join(work, 'eks_i-0a1b2c3d4e5f60718_2024-03-14_0912-UTC_0.7.8');
  await mkdir(join(dir, 'kernel'), { recursive: true });
  // letters only: digits in a name would be normalised away by the message template
  const name = (i: number) => `svc${i.toString(26).replace(/./g, (c) => String.fromCharCode(97 + parseInt(c, 26)))}`;
  const lines = Array.from({ length: nFindings }, (_, i) =>
    `[Thu Mar 14 ${String(8 + Math.floor(i / 3600) % 2).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} 2024] Memory cgroup out of memory: Killed process ${1000 + i} (${name(i)}) total-vm:812345kB, anon-rss:401234kB`);
  await writeFile(join(dir, 'kernel', 'dmesg.human.current'), `${lines.join('\n')}\n`);
  const store = new FsBundleStore(join(work, 'store'));
  const r = await ingestBundle({ store, catalog: CompiledCatalog.load(), source: { kind: 'directory', path: dir } });
  const http = await startHttp({ store, catalog: CompiledCatalog.load(), now: Date.now, log: pino({ level: 'silent' }), sopsDir: join(work, 'none') }, { host: '127.0.0.1', port: 0 });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
  const variants = [
    { page_size: 50 }, { page_size: 200 }, { severity: ['high'] }, { code: 'KernelOOMKill', page_size: 100 },
    { incident_time: '2024-03-14T08:30:00Z', window_minutes: 60 }, { whole_bundle: true, cursor: '5000', page_size: 50 },
  ];
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    const res = await client.callTool({ name: 'errors', arguments: { node: r.node, ...variants[i % variants.length] } });
    times.push(performance.now() - t);
    if (res.isError) throw new Error(JSON.stringify(res.content));
  }
  await client.close();
  await http.close();
  times.sort((a, b) => a - b);
  const q = (p: number) => +times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
  const result = { findings: r.findings.findings.length, calls, p50Ms: q(0.5), p95Ms: q(0.95), maxMs: q(1), budgetP95Ms: 50 };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nerrors p95 ${result.p95Ms} ms over ${result.findings} findings (budget 50 ms): ${result.p95Ms <= 50 ? 'MET' : 'MISSED'}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
