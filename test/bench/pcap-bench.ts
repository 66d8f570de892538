import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { analyzePcap } from '../../core/pcap/analyze.js';
import { ACK, dns, ether, ipv4, pcapHeader, pcapRecord, PSH, SYN, tcp, udp } from '../helpers/pcap-synth.js';

/**
 * analyzePcap against one tshark pass (`tshark -q -z dns,tree -r file`) on a ~100 MB / ~650k-packet
 * mixed DNS/TCP capture generated here. Budget: ours / tshark <= 1.0. Also prints our peak RSS.
 *   node dist/test/bench/pcap-bench.js [--packets 650000]
 * PCAP_BENCH_NODE_FLAGS="--max-old-space-size=300" runs the analysis child with a capped heap (it fits:
 * every per-flow table is bounded; without a cap V8 just grows the heap lazily).
 */
const args = process.argv.slice(2);
if (args[0] === '--analyze') {
  // child mode: only the analysis, so its peak RSS is not the generator's
  const t0 = performance.now();
  const r = await analyzePcap(createReadStream(args[1]!, { highWaterMark: 1 << 20 }));
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ seconds, rssMb: process.resourceUsage().maxRSS / 1024, packets: r.packets, queries: r.dns.queries, anomalies: r.anomalies.length, evictions: r.evictions }));
  process.exit(0);
}
const nPackets = args.includes('--packets') ? Number(args[args.indexOf('--packets') + 1]) : 650_000;
const work = await mkdtemp(join(tmpdir(), 'pcap-bench-'));
const file = join(work, 'bench.pcap');
try {
  const out = createWriteStream(file);
  out.write(pcapHeader(1));
  const body = Buffer.alloc(1100, 0x42);
  let batch: Buffer[] = [];
  const T0 = 1_700_000_000;
  for (let i = 0; i < nPackets; i++) {
    const ts = T0 + i / 2000; // 2000 pkt/s: a ~5.5 minute capture
    const c = `10.0.${(i >> 8) & 255}.${i & 255}`;
    const k = i % 10;
    let l3: Buffer;
    if (k < 6) {
      // DNS query/response pairs; every 50th name is an NXDOMAIN search expansion
      const id = (i >> 1) & 0xffff;
      const name = i % 50 < 2 ? `svc${i % 500}.ns.svc.cluster.local.` : `svc${i % 500}.example.com.`;
      l3 = k % 2 === 0
        ? ipv4(c, '172.20.0.10', 17, udp(30000 + (i % 20000), 53, dns({ id, name })))
        : ipv4('172.20.0.10', `10.0.${((i - 1) >> 8) & 255}.${(i - 1) & 255}`, 17, udp(53, 30000 + ((i - 1) % 20000), dns({ id: ((i - 1) >> 1) & 0xffff, name, response: true, rcode: i % 50 < 2 ? 3 : 0, answers: 1 })));
    } else if (k === 6) l3 = ipv4(c, '10.1.0.5', 6, tcp(40000 + (i % 20000), 443, i, 0, SYN));
    else if (k === 7) l3 = ipv4('10.1.0.5', c, 6, tcp(443, 40000 + (i % 20000), i * 7, i + 1, SYN | ACK));
    else l3 = ipv4(c, '10.1.0.5', 6, tcp(40000 + (i % 20000), 443, i + 1, i * 7 + 1, PSH | ACK, { payload: body.subarray(0, k === 8 ? 1100 : 40) }));
    batch.push(pcapRecord({ ts, data: ether(l3) }));
    if (batch.length === 4096) {
      if (!out.write(Buffer.concat(batch))) await once(out, 'drain');
      batch = [];
    }
  }
  out.end(Buffer.concat(batch));
  await once(out, 'finish');
  const size = (await stat(file)).size;
  console.log(`capture: ${nPackets} packets, ${(size / 1e6).toFixed(1)} MB`);

  const child = JSON.parse(execFileSync(process.execPath, [...(process.env.PCAP_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), new URL(import.meta.url).pathname, '--analyze', file], { encoding: 'utf8' }));
  const ours: number = child.seconds;
  console.log(`analyzePcap: ${ours.toFixed(2)} s, ${child.packets} packets, ${child.queries} DNS queries, ${child.anomalies} anomalies, peak RSS ${child.rssMb.toFixed(0)} MB, evictions ${JSON.stringify(child.evictions)}`);

  const t1 = performance.now();
  execFileSync('tshark', ['-n', '-q', '-z', 'dns,tree', '-r', file], { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 << 26 });
  const theirs = (performance.now() - t1) / 1000;
  const ratio = ours / theirs;
  console.log(`tshark -q -z dns,tree: ${theirs.toFixed(2)} s`);
  console.log(`ratio ours/tshark: ${ratio.toFixed(2)}x (budget <= 1.0x) ${ratio <= 1 ? 'OK' : 'OVER BUDGET'}`);
  // a benchmark reports, it never fails the run: the figure and its verdict are printed above
} finally {
  await rm(work, { recursive: true, force: true });
}
