import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzePcap } from '../../core/pcap/analyze.js';
import { knownScenario } from '../helpers/pcap-scenario.js';
import { ether, pcapFile, pcapngFile, sll2 } from '../helpers/pcap-synth.js';
import { compareWithTshark } from '../helpers/tshark-compare.js';

/**
 * Our counts must EQUAL tshark's on captures with known content (written here, no network needed):
 * Ethernet pcap, SLL2 pcap (what `tcpdump -i any` writes; big-endian, nanoseconds) and a pcapng with
 * both link types on two interfaces.
 * The filters and the retransmission definition are in test/helpers/tshark-compare.ts.
 */
const root = resolve(import.meta.dirname, '../..');

describe('pcap analysis equals tshark', () => {
  let dir = '';
  const files: Record<string, string> = {};
  beforeAll(async () => {
    execFileSync('bash', [join(root, 'scripts/setup-pcap-tools.sh')], { stdio: 'inherit' });
    dir = await mkdtemp(join(tmpdir(), 'pcap-xcheck-'));
    const { packets } = knownScenario();
    const eth = (p: (typeof packets)[number]) => ether(p.ip, p.v6 ? 0x86dd : 0x0800);
    const sl2 = (p: (typeof packets)[number]) => sll2(p.ip, p.v6 ? 0x86dd : 0x0800);
    const captures: Record<string, Buffer> = {
      'ethernet.pcap': pcapFile(1, packets.map((p) => ({ ts: p.ts, data: eth(p) }))),
      'sll2-ns-be.pcap': pcapFile(276, packets.map((p) => ({ ts: p.ts, data: sl2(p) })), { nano: true, le: false }),
      'mixed.pcapng': pcapngFile([1, 276], packets.map((p, i) => ({ ts: p.ts, iface: i % 2, data: i % 2 ? sl2(p) : eth(p) }))),
    };
    for (const [name, buf] of Object.entries(captures)) await writeFile((files[name] = join(dir, name)), buf);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const name of ['ethernet.pcap', 'sll2-ns-be.pcap', 'mixed.pcapng'])
    it(name, async () => {
      const r = await analyzePcap(createReadStream(files[name]!, { highWaterMark: 333 }));
      const rows = compareWithTshark(files[name]!, r);
      console.log(`${name}\n${rows.map((x) => `  ${x.what.padEnd(17)} ours ${String(x.ours).padStart(3)}  tshark ${String(x.tshark).padStart(3)}  ${x.filter}`).join('\n')}`);
      expect(rows.filter((x) => x.ours !== x.tshark)).toEqual([]);
      expect(r.tcp.retransmissions).toBeGreaterThan(0); // the comparison is not vacuous
    });
});
