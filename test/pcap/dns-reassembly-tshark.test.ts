import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzePcap } from '../../core/pcap/analyze.js';
import { reassemblyScenario } from '../helpers/pcap-reassembly-scenario.js';
import { ether, pcapFile, sll2 } from '../helpers/pcap-synth.js';

/**
 * DNS that needs reassembly (IPv4 fragments of UDP answers, DNS over TCP across segments): our DNS
 * counts must equal tshark's with its default reassembly (ip.defragment, tcp.desegment_tcp_streams).
 * tshark -Y counts frames; the scenario completes one DNS message per frame, so frames = messages.
 */
const root = resolve(import.meta.dirname, '../..');
const tsharkCount = (file: string, filter: string): number =>
  execFileSync('tshark', ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).length;

describe('DNS reassembly equals tshark', () => {
  let dir = '';
  const files: Record<string, string> = {};
  beforeAll(async () => {
    execFileSync('bash', [join(root, 'scripts/setup-pcap-tools.sh')], { stdio: 'inherit' });
    dir = await mkdtemp(join(tmpdir(), 'pcap-reasm-'));
    const { packets } = reassemblyScenario();
    await writeFile((files.eth = join(dir, 'reasm-ethernet.pcap')), pcapFile(1, packets.map((p) => ({ ts: p.ts, data: ether(p.ip) }))));
    await writeFile((files.sll2 = join(dir, 'reasm-sll2.pcap')), pcapFile(276, packets.map((p) => ({ ts: p.ts, data: sll2(p.ip) })), { nano: true, le: false }));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const name of ['eth', 'sll2'])
    it(name, async () => {
      const r = await analyzePcap(createReadStream(files[name]!, { highWaterMark: 257 }));
      const rows: [string, string, number][] = [
        ['DNS queries', 'dns.flags.response==0', r.dns.queries],
        ['DNS responses', 'dns.flags.response==1', r.dns.responses],
        ['NOERROR', 'dns.flags.response==1 && dns.flags.rcode==0', r.dns.rcodes.NOERROR ?? 0],
        ['NXDOMAIN', 'dns.flags.response==1 && dns.flags.rcode==3', r.dns.rcodes.NXDOMAIN ?? 0],
        ['DNS over TCP', 'dns && tcp', -1],
        ['reassembled UDP', 'dns && ip.fragment', -1],
        ['frames', 'frame', r.packets],
        ['malformed', '_ws.malformed', r.undecodable],
      ];
      const out = rows.map(([what, filter, ours]) => ({ what, filter, ours, tshark: tsharkCount(files[name]!, filter) }));
      console.log(out.map((x) => `  ${x.what.padEnd(16)} ours ${String(x.ours).padStart(3)}  tshark ${String(x.tshark).padStart(3)}  ${x.filter}`).join('\n'));
      expect(out.filter((x) => x.ours >= 0 && x.ours !== x.tshark)).toEqual([]);
      // not vacuous: tshark too sees DNS only through TCP reassembly and IP defragmentation here
      expect(out.find((x) => x.what === 'DNS over TCP')!.tshark).toBe(4);
      expect(out.find((x) => x.what === 'reassembled UDP')!.tshark).toBe(2);
      expect(r.dns.responses).toBe(4);
    });
});
