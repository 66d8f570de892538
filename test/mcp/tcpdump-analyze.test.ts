import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCapture } from '../../core/query/captures.js';
import { knownScenario } from '../helpers/pcap-scenario.js';
import { ether, pcapFile } from '../helpers/pcap-synth.js';
import { inMemoryClient, sampleStore } from './mcp-fixture.js';

// tcpdump_analyze over a capture filed under a node that also has a bundle: the capture's anomalies
// get P ids that stay the same on a second call and that summarize resolves on that bundle.
let env: Awaited<ReturnType<typeof sampleStore>>;
let client: Client;
let expected: Record<string, number>;
beforeAll(async () => {
  env = await sampleStore();
  const sc = knownScenario();
  expected = sc.expected;
  const file = join(env.dir, 'capture.pcap');
  await writeFile(file, pcapFile(1, sc.packets.map((p) => ({ ts: p.ts, data: ether(p.ip, p.v6 ? 0x86dd : 0x0800) }))));
  await importCapture(env.deps.store, env.bundle.node, file);
  client = await inMemoryClient(env.deps);
});
afterAll(async () => {
  await client?.close();
  await env?.cleanup();
});

const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;

describe('tcpdump_analyze', () => {
  it('analyses every packet of the newest capture and keeps its P ids stable across calls', async () => {
    const r1 = (await call('tcpdump_analyze', { node: env.bundle.node })).structuredContent as { packets: number; anomalies: { id: string }[]; dns: { queries: number }; tcp: Record<string, number>; summarizable_with_bundle: string };
    expect(r1.packets).toBeGreaterThan(0);
    expect(r1.anomalies.length).toBeGreaterThan(0);
    expect(r1.dns.queries).toBe(expected.dnsQueries);
    expect(r1.summarizable_with_bundle).toBe(`${env.bundle.node}/${env.bundle.bundleId}`);
    const r2 = (await call('tcpdump_analyze', { node: env.bundle.node })).structuredContent as { anomalies: { id: string }[] };
    expect(r2.anomalies.map((a) => a.id)).toEqual(r1.anomalies.map((a) => a.id));
    const sum = (await call('summarize', { node: env.bundle.node, ids: [r1.anomalies[0]!.id, 'F-001'] })).structuredContent as { unresolved: unknown[] };
    expect(sum.unresolved).toEqual([]);
  });

  it('a node without captures is a tool error that says how to get one', async () => {
    const r = await call('tcpdump_analyze', { node: 'node-without-captures' });
    expect(r.isError).toBe(true);
    expect((r.content[0] as { text: string }).text).toMatch(/no captures: import one/);
  });
});
