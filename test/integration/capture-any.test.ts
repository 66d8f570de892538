import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLocal } from '../../collector/capture/local-capture.js';
import { analyzePcap } from '../../core/pcap/analyze.js';
import { captureKeys } from '../../core/query/captures.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { createNetnsLab, type NetnsLab, TRAFFIC_SCRIPT } from '../helpers/netns-lab.js';
import { compareWithTshark } from '../helpers/tshark-compare.js';

/**
 * A REAL `tcpdump -i any` capture, what most users run: on Linux the `any` device has no link-layer
 * header of its own, so tcpdump writes Linux cooked frames, SLL2 (LINKTYPE 276) with libpcap 1.10+,
 * SLL (113) before. The synthetic cross-check builds SLL2 frames itself; this one reads what tcpdump
 * really wrote, in the netns lab, and holds our counts to tshark's on that very file.
 */
const COOKED: Record<number, string> = { 113: 'LINUX_SLL', 276: 'LINUX_SLL2' };

/** The link type in a classic pcap header, read here without our reader: magic decides the byte order. */
function headerLinkType(buf: Buffer): number {
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  return (le ? buf.readUInt32LE(20) : buf.readUInt32BE(20)) & 0x03ffffff;
}

let lab: NetnsLab;
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'capture-any-'));
  lab = await createNetnsLab();
});
afterAll(async () => {
  await lab?.destroy();
  await rm(work, { recursive: true, force: true });
});

describe('capture on interface "any" in a pod-like network namespace', () => {
  it('tcpdump writes Linux cooked frames, our reader decodes every one, and our DNS/TCP counts equal tshark\'s on the same file', async () => {
    const store = new FsBundleStore(join(work, 'store'));
    let traffic: Promise<string> | undefined;
    const r = await captureLocal({
      store, node: 'lab-node', target: { kind: 'pid', pid: lab.pid }, iface: 'any', filter: `host ${lab.hostIp}`, durationSeconds: 8,
      onStarted: () => {
        traffic = lab.runInNs(TRAFFIC_SCRIPT, [lab.hostIp, String(lab.tcpPort), String(lab.closedPort)]);
      },
    });
    expect(JSON.parse(await traffic!)).toEqual({ ok: 0, nx: 3, echo: 'hello', refused: 'ECONNREFUSED' });
    expect(r.iface).toBe('any');
    expect(r.chunks).toBe(1);
    const file = join(work, 'store', captureKeys('lab-node', r.captureId).chunk(1));

    // (a) the link type tcpdump chose, and our reader decoded all of it
    const linkType = headerLinkType(await readFile(file));
    expect(Object.keys(COOKED)).toContain(String(linkType));
    const ours = await analyzePcap(createReadStream(file));
    expect(ours.linkTypes).toEqual({ [COOKED[linkType]!]: r.packets });
    expect(ours.undecodable).toBe(0);
    expect(ours.packets).toBe(r.packets);
    expect(r.analysis.packets).toBe(r.packets);

    // (b) the traffic is there (2 DNS exchanges, one NXDOMAIN, the echo and the refused connect) and tshark counts it as we do
    const rows = compareWithTshark(file, ours, ['DNS queries', 'DNS responses', 'NOERROR', 'NXDOMAIN', 'SYN', 'SYN-ACK', 'RST', 'frames', 'malformed']);
    console.log(`tcpdump -i any (${COOKED[linkType]})\n${rows.map((x) => `  ${x.what.padEnd(13)} ours ${String(x.ours).padStart(3)}  tshark ${String(x.tshark).padStart(3)}  ${x.filter}`).join('\n')}`);
    expect(rows.filter((x) => x.ours !== x.tshark)).toEqual([]);
    const count = Object.fromEntries(rows.map((x) => [x.what, x.ours]));
    expect(count).toMatchObject({ 'DNS queries': 2, 'DNS responses': 2, NOERROR: 1, NXDOMAIN: 1, malformed: 0 });
    expect(count.SYN).toBeGreaterThanOrEqual(2);
    expect(count.RST).toBeGreaterThanOrEqual(1);
    // the stored analysis is the same reading of the same bytes
    expect([r.analysis.dns.queries, r.analysis.dns.rcodes.NXDOMAIN, r.analysis.tcp.syn, r.analysis.tcp.rst]).toEqual([ours.dns.queries, ours.dns.rcodes.NXDOMAIN, ours.tcp.syn, ours.tcp.rst]);
  });
});
