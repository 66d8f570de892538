import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { knownScenario } from '../../test/helpers/pcap-scenario.js';
import { ACK, ether, ipv4, pcapFile, SYN, tcp } from '../../test/helpers/pcap-synth.js';
import { runPcapCommand } from './pcap-command.js';

// `eks-node-log-mcp pcap <file> --json`: the document issue 4 promises, from a capture of known content.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pcap-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the command as main.ts does, with stdout and stderr captured. */
async function run(file: string, o: { json?: boolean } = {}) {
  let out = '';
  let err = '';
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    return { code: await runPcapCommand(file, o), out, err };
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
}

async function write(name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('eks-node-log-mcp pcap --json', () => {
  it('prints one JSON document with the documented keys and the counts of the known capture', async () => {
    const { packets, expected: e } = knownScenario();
    const file = await write('known.pcap', pcapFile(1, packets.map((p) => ({ ts: p.ts, data: ether(p.ip, p.v6 ? 0x86dd : 0x0800) }))));
    const r = await run(file, { json: true });
    expect(r).toMatchObject({ code: 0, err: '' });
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({
      packets: packets.length,
      undecodable: 0,
      dns: { queries: e.dnsQueries, responses: e.dnsResponses, unanswered: e.unanswered, rcodes: { NOERROR: e.noerror, NXDOMAIN: e.nxdomain, SERVFAIL: e.servfail, REFUSED: e.refused } },
      tcp: { syn: e.syn, synAck: e.synAck, rst: e.rst, retransmissions: e.retransmissions, zeroWindow: e.zeroWindow, refused: e.connRefused },
      icmp: { fragNeeded: e.fragNeeded, unreachable: e.unreachable },
    });
    expect(doc.anomalies.length).toBeGreaterThan(0);
    for (const [i, a] of (doc.anomalies as Record<string, unknown>[]).entries()) {
      expect(a).toMatchObject({ id: `P-${String(i + 1).padStart(3, '0')}`, type: expect.any(String), severity: expect.stringMatching(/^(critical|warning|info)$/), message: expect.any(String) });
    }
    expect(doc.anomalies.map((a: { type: string }) => a.type)).toEqual(expect.arrayContaining(['dns-nxdomain', 'dns-servfail', 'tcp-connection-refused', 'tcp-zero-window', 'icmp-frag-needed']));
  });

  it('dns.rcodes holds NOERROR, NXDOMAIN and SERVFAIL at 0 when the capture has no DNS', async () => {
    const file = await write('tcp-only.pcap', pcapFile(1, [
      { ts: 1_700_000_000, data: ether(ipv4('10.0.1.10', '10.0.2.20', 6, tcp(50001, 443, 1000, 0, SYN))) },
      { ts: 1_700_000_000.001, data: ether(ipv4('10.0.2.20', '10.0.1.10', 6, tcp(443, 50001, 5000, 1001, SYN | ACK))) },
    ]));
    const r = await run(file, { json: true });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.dns).toMatchObject({ queries: 0, responses: 0, unanswered: 0, rcodes: { NOERROR: 0, NXDOMAIN: 0, SERVFAIL: 0 } });
    expect(doc.tcp).toMatchObject({ syn: 1, synAck: 1, rst: 0, retransmissions: 0, zeroWindow: 0, refused: 0 });
    expect(doc.icmp).toEqual({ fragNeeded: 0, unreachable: 0, echo: 0 });
  });

  it('a file with a wrong magic number: a clear error on stderr, nothing on stdout, exit 2', async () => {
    const file = await write('notes.pcap', Buffer.from('this is a text file, not a capture\n'));
    const r = await run(file, { json: true });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`error: ${file}: not a pcap or pcapng file (magic 0x74686973)\n`);
  });
});
