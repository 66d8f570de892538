import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { analyzePcap, type PcapAnalysis, PcapFormatError } from '../../core/pcap/analyze.js';

/**
 * `pcap <file>`: streams a pcap/pcapng capture (tcpdump -i any writes SLL2) through the analysers.
 * --json prints exactly the analysis document; otherwise a readable summary. Exit 2 on unusable input.
 */
export async function runPcapCommand(file: string, o: { json?: boolean; serviceCidr?: string[]; podCidr?: string[] }): Promise<number> {
  const path = resolve(file);
  const st = await stat(path).catch(() => undefined);
  if (!st || !st.isFile()) {
    process.stderr.write(`error: ${file} ${st ? 'is not a file' : 'does not exist'}: give a capture written by tcpdump -w or tshark -w (.pcap or .pcapng)\n`);
    return 2;
  }
  // check the magic before streaming so a wrong file fails fast with a clear message
  const fh = await open(path, 'r');
  const head = Buffer.alloc(4);
  const { bytesRead } = await fh.read(head, 0, 4, 0).finally(() => fh.close());
  if (bytesRead < 4) {
    process.stderr.write(`error: ${file} is ${bytesRead === 0 ? 'empty' : 'too short'}: not a pcap or pcapng capture\n`);
    return 2;
  }
  let r: PcapAnalysis;
  try {
    r = await analyzePcap(createReadStream(path, { highWaterMark: 1 << 20 }), { serviceCidrs: o.serviceCidr, podCidrs: o.podCidr });
  } catch (e) {
    if (e instanceof PcapFormatError) {
      process.stderr.write(`error: ${file}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(summary(file, r));
  return 0;
}

function summary(file: string, r: PcapAnalysis): string {
  const kv = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(' ');
  const lines = [
    `${file}: ${r.format}, ${r.packets} packets over ${r.durationSeconds.toFixed(3)} s (${kv(r.linkTypes)}), undecodable ${r.undecodable}`,
    ...(r.truncated.records ? [`  truncated: ${r.truncated.records} records, ${r.truncated.bytes} bytes at the end (counted, not fatal)`] : []),
    `DNS   queries ${r.dns.queries}, responses ${r.dns.responses}, unanswered ${r.dns.unanswered}; ${kv(r.dns.rcodes)}; latency p50 ${r.dns.latencyMs.p50 ?? '-'} ms p95 ${r.dns.latencyMs.p95 ?? '-'} ms; search-expansion NXDOMAIN ${r.dns.nxdomainSearchExpansion}`,
    `TCP   ${kv(r.tcp)}`,
    `ICMP  ${kv(r.icmp)}`,
    'Top talkers (bytes):',
    ...r.topTalkers.slice(0, 5).map((t) => `  ${String(t.bytes).padStart(12)}  ${t.src}:${t.srcPort} > ${t.dst}:${t.dstPort} proto ${t.proto} (${t.packets} pkts)`),
    r.anomalies.length ? 'Anomalies:' : 'Anomalies: none',
    ...r.anomalies.map((a) => `  ${a.id} ${a.severity.padEnd(8)} ${a.type}: ${a.message}`),
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
  return `${lines.join('\n')}\n`;
}
