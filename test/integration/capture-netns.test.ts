import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLocal } from '../../collector/capture/local-capture.js';
import { type CaptureChunk, runCapture } from '../../collector/capture/run-capture.js';
import { CaptureInputError } from '../../collector/capture/validate.js';
import { captureKeys, listCaptures } from '../../core/query/captures.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { createNetnsLab, type NetnsLab, TRAFFIC_SCRIPT, UDP_BURST_SCRIPT } from '../helpers/netns-lab.js';
import dgram from 'node:dgram';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import pino from 'pino';
import { localCaptureDep } from '../../cli/commands/capture-command.js';
import { inMemoryClient, sampleStore } from '../mcp/mcp-fixture.js';

/**
 * REAL packet capture (issue #5 item 6): a network namespace with a veth pair to this host, a DNS
 * responder and a TCP listener on the host end, traffic generated inside the namespace, and the
 * capture runner targeting that namespace by the PID of a process living in it.
 */
const tsharkFrames = (file: string) =>
  execFileSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).length;

let lab: NetnsLab;
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'capture-netns-'));
  lab = await createNetnsLab();
});
afterAll(async () => {
  await lab?.destroy();
  await rm(work, { recursive: true, force: true });
});

describe('capture in a pod-like network namespace, targeted by PID', () => {
  it('sees the DNS queries and answers (NOERROR and NXDOMAIN) and the refused TCP connection, and stores the capture with its analysis', async () => {
    const store = new FsBundleStore(join(work, 'store'));
    let traffic: Promise<string> | undefined;
    const r = await captureLocal({
      store, node: 'lab-node', target: { kind: 'pid', pid: lab.pid }, iface: lab.nsIf, filter: `host ${lab.hostIp}`, durationSeconds: 8,
      onStarted: () => {
        traffic = lab.runInNs(TRAFFIC_SCRIPT, [lab.hostIp, String(lab.tcpPort), String(lab.closedPort)]);
      },
    });
    const seen = JSON.parse(await traffic!) as { ok: number; nx: number; echo: string; refused: string };
    expect(seen).toEqual({ ok: 0, nx: 3, echo: 'hello', refused: 'ECONNREFUSED' });

    expect(r.stoppedBy).toBe('duration');
    expect(r.target.nsPath).toBe(`/proc/${lab.pid}/ns/net`);
    expect(r.analysis.dns.queries).toBe(2);
    expect(r.analysis.dns.responses).toBe(2);
    expect(r.analysis.dns.rcodes).toMatchObject({ NOERROR: 1, NXDOMAIN: 1 });
    expect(r.analysis.tcp.rst).toBeGreaterThanOrEqual(1);
    expect(r.analysis.tcp.refused).toBeGreaterThanOrEqual(1);
    expect(r.analysis.tcp.syn).toBeGreaterThanOrEqual(2);
    expect(r.analysis.packets).toBe(r.packets);
    expect(r.tcpdump.captured).toBe(r.packets);

    // stored under captures/<node>/<id>/ and counted the same by tshark
    expect(await listCaptures(store, 'lab-node')).toEqual([r.captureId]);
    const keys = captureKeys('lab-node', r.captureId);
    const chunkFile = join(work, 'store', keys.chunk(1));
    expect(tsharkFrames(chunkFile)).toBe(r.packets);
    const meta = JSON.parse(await readFile(join(work, 'store', keys.meta), 'utf8')) as { phase: string; stoppedBy: string; packets: number };
    expect(meta).toMatchObject({ phase: 'Completed', stoppedBy: 'duration', packets: r.packets });
    const stored = JSON.parse(await readFile(join(work, 'store', keys.analysis), 'utf8')) as { packets: number };
    expect(stored.packets).toBe(r.packets);
  });

  it('rotates into chunks handed over in order, each a valid pcap, whose packets add up to the total (tshark agrees)', async () => {
    const got: CaptureChunk[] = [];
    const copies = join(work, 'chunks');
    execFileSync('mkdir', ['-p', copies]);
    let burst: Promise<string> | undefined;
    const r = await runCapture({
      target: { kind: 'pid', pid: lab.pid }, iface: lab.nsIf, filter: 'udp port 9999',
      limits: { durationSeconds: 6, chunkBytes: 16 * 1024 },
      onStarted: () => {
        burst = lab.runInNs(UDP_BURST_SCRIPT, [lab.hostIp, '9999', '200', '600']);
      },
      onChunk: async (c) => {
        got.push(c);
        await copyFile(c.path, join(copies, `${String(c.index).padStart(3, '0')}.pcap`));
      },
    });
    await burst;
    expect(r.stoppedBy).toBe('duration');
    expect(r.packets).toBe(200);
    expect(r.chunks).toBeGreaterThanOrEqual(6); // 200 × ~650 B over 16 KiB chunks
    expect(got.map((c) => c.index)).toEqual(Array.from({ length: r.chunks }, (_, i) => i + 1));
    const files = (await readdir(copies)).sort();
    const frames = files.map((f) => tsharkFrames(join(copies, f)));
    expect(frames).toEqual(got.map((c) => c.packets));
    expect(frames.reduce((a, b) => a + b, 0)).toBe(200);
    for (const c of got) expect(c.bytes).toBeLessThanOrEqual(16 * 1024);
    expect(got.reduce((a, c) => a + c.bytes, 0)).toBe(r.bytes);
  });

  it('stops at the packet cap (tcpdump -c) and at the size cap', async () => {
    const burst = () => lab.runInNs(UDP_BURST_SCRIPT, [lab.hostIp, '9998', '300', '500']);
    let b1: Promise<string> | undefined;
    const byPackets = await runCapture({
      target: { kind: 'pid', pid: lab.pid }, iface: lab.nsIf, filter: 'udp port 9998', limits: { durationSeconds: 20, maxPackets: 25 },
      onStarted: () => (b1 = burst()), onChunk: async () => undefined,
    });
    await b1;
    expect(byPackets.stoppedBy).toBe('packets');
    expect(byPackets.packets).toBe(25);

    let b2: Promise<string> | undefined;
    const bySize = await runCapture({
      target: { kind: 'pid', pid: lab.pid }, iface: lab.nsIf, filter: 'udp port 9998', limits: { durationSeconds: 20, maxBytes: 20_000 },
      onStarted: () => (b2 = burst()), onChunk: async () => undefined,
    });
    await b2;
    expect(bySize.stoppedBy).toBe('size');
    expect(bySize.bytes).toBeLessThanOrEqual(20_000);
    expect(bySize.bytes).toBeGreaterThan(20_000 - 600);
  });

  it('a capture stored as several chunks is analysed as one: every packet, in order', async () => {
    const store = new FsBundleStore(join(work, 'store-chunks'));
    let burst: Promise<string> | undefined;
    const r = await captureLocal({
      store, node: 'lab-node', target: { kind: 'pid', pid: lab.pid }, iface: lab.nsIf, filter: 'udp port 9997', durationSeconds: 6, chunkBytes: 8192,
      onStarted: () => {
        burst = lab.runInNs(UDP_BURST_SCRIPT, [lab.hostIp, '9997', '120', '400']);
      },
    });
    await burst;
    expect(r.chunks).toBeGreaterThan(3);
    expect(r.packets).toBe(120);
    expect(r.analysis.packets).toBe(120);
    const files = (await readdir(join(work, 'store-chunks', captureKeys('lab-node', r.captureId).base))).filter((f) => f.endsWith('.pcap')).sort();
    expect(files).toHaveLength(r.chunks);
    expect(files.map((f) => tsharkFrames(join(work, 'store-chunks', captureKeys('lab-node', r.captureId).base, f))).reduce((a, b) => a + b, 0)).toBe(120);
  });

  it('a full disk: on a small tmpfs that the stored chunks fill, the capture stops by disk before the filesystem is full', async () => {
    const mnt = join(work, 'tmpfs');
    execFileSync('mkdir', ['-p', mnt]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    try {
      const kept = join(mnt, 'store');
      execFileSync('mkdir', ['-p', kept]);
      let burst: Promise<string> | undefined;
      const r = await runCapture(
        {
          target: { kind: 'pid', pid: lab.pid }, iface: lab.nsIf, filter: 'udp port 9995',
          limits: { durationSeconds: 15, chunkBytes: 64 * 1024, minFreeBytes: 2 * 1024 * 1024 },
          onStarted: () => {
            burst = lab.runInNs(UDP_BURST_SCRIPT, [lab.hostIp, '9995', '5000', '1000']);
          },
          // the local store on the same filesystem: what the capture keeps eats the space it measures
          onChunk: async (c) => copyFile(c.path, join(kept, `${c.index}.pcap`)),
        },
        { tmpDir: mnt },
      );
      await burst;
      expect(r.stoppedBy).toBe('disk');
      expect(r.packets).toBeGreaterThan(0);
      expect(r.packets).toBeLessThan(5000);
      // every chunk handed over is whole: tshark reads exactly the packets we counted
      const frames = (await readdir(kept)).map((f) => tsharkFrames(join(kept, f)));
      expect(frames.reduce((a, b) => a + b, 0)).toBe(r.packets);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('a network namespace file (/run/netns/<name>) is a target too; an unknown interface there is refused before capture', async () => {
    const r = await runCapture({ target: { kind: 'netns', path: `/run/netns/${lab.ns}` }, iface: lab.nsIf, limits: { durationSeconds: 1 }, onChunk: async () => undefined });
    expect(r.stoppedBy).toBe('duration');
    expect(r.chunks).toBe(1); // header only: nothing to see is an answer too
    await expect(runCapture({ target: { kind: 'netns', path: `/run/netns/${lab.ns}` }, iface: 'eth0', limits: { durationSeconds: 1 }, onChunk: async () => undefined }))
      .rejects.toThrow(CaptureInputError);
  });
});

describe('MCP tcpdump_capture on node "local"', () => {
  it('starts a capture on this host, tcpdump_analyze says it is running until it ends, then analyses it', async () => {
    const env = await sampleStore();
    try {
      env.deps.localCapture = localCaptureDep(env.deps.store, pino({ level: 'silent' }));
      const client = await inMemoryClient(env.deps);
      const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
      const started = await call('tcpdump_capture', { node: 'local', interface: 'lo', filter: 'udp port 9996', duration_seconds: 3 });
      expect(started.isError).toBeFalsy();
      const { captureId, phase } = started.structuredContent as { captureId: string; phase: string };
      expect(phase).toBe('Capturing');
      const running = await call('tcpdump_analyze', { node: 'local', captureId });
      expect(running.isError).toBe(true);
      expect((running.content[0] as { text: string }).text).toMatch(/still running/);
      // traffic on this host's loopback while the capture runs
      await new Promise((res) => setTimeout(res, 800));
      const s = dgram.createSocket('udp4');
      for (let i = 0; i < 7; i++) await new Promise<void>((res) => s.send('ping', 9996, '127.0.0.1', () => res()));
      s.close();
      let done: CallToolResult | undefined;
      for (let i = 0; i < 40 && !(done && !done.isError); i++) {
        await new Promise((res) => setTimeout(res, 250));
        done = await call('tcpdump_analyze', { node: 'local', captureId });
      }
      expect(done!.isError).toBeFalsy();
      expect((done!.structuredContent as { packets: number }).packets).toBeGreaterThanOrEqual(7);
      await client.close();
    } finally {
      await env.cleanup();
    }
  });

  it('bad input: an injection filter or an unknown pod is a tool error and no capture is filed', async () => {
    const env = await sampleStore();
    try {
      env.deps.localCapture = localCaptureDep(env.deps.store, pino({ level: 'silent' }));
      const client = await inMemoryClient(env.deps);
      const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
      const bad = await call('tcpdump_capture', { node: 'local', filter: 'port 53; reboot' });
      expect(bad.isError).toBe(true);
      expect((bad.content[0] as { text: string }).text).toMatch(/BPF filter refused by the compiler/);
      const pod = await call('tcpdump_capture', { node: 'local', pod: { namespace: 'default', name: 'no-such-pod-here' } });
      expect(pod.isError).toBe(true);
      expect((pod.content[0] as { text: string }).text).toMatch(/no pod default\/no-such-pod-here/);
      expect(await listCaptures(env.deps.store, 'local')).toEqual([]);
      const remote = await call('tcpdump_capture', { node: 'ip-10-0-0-1.ec2.internal' });
      expect(remote.isError).toBe(true);
      expect((remote.content[0] as { text: string }).text).toMatch(/not available in this server/);
      await client.close();
    } finally {
      await env.cleanup();
    }
  });
});
