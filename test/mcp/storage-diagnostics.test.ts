import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBundle } from '../../core/ingest/ingest-bundle.js';
import { HEALTHY } from '../fixtures/node-state-files.js';
import { SAMPLE } from '../fixtures/sample-bundle.js';
import { inMemoryClient, sampleStore } from './mcp-fixture.js';

// storage_diagnostics through the MCP client: a bundle whose root filesystem is 97 % full (df -h in
// storage/mounts.txt, as eks-log-collector.sh writes it) gets an N- finding pointing at that line.
const NODE = 'ip-10-0-9-9.ec2.internal';
const MOUNTS = HEALTHY['storage/mounts.txt']!.replace('80G   31G   50G  39% /\n', '80G   77G  3.0G  97% /\n');
let env: Awaited<ReturnType<typeof sampleStore>>;
let client: Client;
beforeAll(async () => {
  env = await sampleStore();
  const dir = join(env.dir, 'disk-full-bundle');
  await cp(join(env.dir, SAMPLE.archiveName.replace(/\.tar\.gz$/, '')), dir, { recursive: true });
  await mkdir(join(dir, 'storage'), { recursive: true });
  await writeFile(join(dir, 'storage/mounts.txt'), MOUNTS);
  await ingestBundle({ store: env.deps.store, catalog: env.deps.catalog, source: { kind: 'directory', path: dir }, node: NODE });
  client = await inMemoryClient(env.deps);
});
afterAll(async () => {
  await client?.close();
  await env?.cleanup();
});

type Out = {
  checks: { findings: { id: string; code: string; severity: string; check: string; evidence: { path: string; line: number; text: string }[] }[]; checked: { check: string; status: string; reason?: string }[] };
  state_files: { path: string; state: string }[];
};

describe('storage_diagnostics', () => {
  it('a root filesystem over the critical threshold is an N- finding with its df line as evidence', async () => {
    const r = (await client.callTool({ name: 'storage_diagnostics', arguments: { node: NODE } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as Out;
    const disk = out.checks.findings.find((f) => f.code === 'DiskUsageCritical');
    expect(disk).toMatchObject({ id: expect.stringMatching(/^N-\d{3}$/), severity: 'critical', check: 'disk-usage' });
    const line = MOUNTS.split('\n').findIndex((l) => l.includes('97% /')) + 1;
    expect(disk!.evidence[0]).toEqual({ path: 'storage/mounts.txt', line, text: '/dev/nvme0n1p1   80G   77G  3.0G  97% /' });
    expect(out.checks.checked).toContainEqual({ check: 'disk-usage', status: 'problem' });
    // only storage checks answer here; the network ones belong to network_diagnostics
    expect(out.checks.checked.map((c) => c.check)).not.toContain('default-route');
  });

  it('the sample bundle, which has no storage files, reports its disk check not-checked, never ok', async () => {
    const out = (await client.callTool({ name: 'storage_diagnostics', arguments: { node: env.bundle.node } })).structuredContent as Out;
    expect(out.checks.findings.filter((f) => f.check === 'disk-usage')).toEqual([]);
    expect(out.checks.checked).toContainEqual({ check: 'disk-usage', status: 'not-checked', reason: 'not checked: storage/mounts.txt missing' });
  });
});
