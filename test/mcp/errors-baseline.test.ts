import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBundle } from '../../core/ingest/ingest-bundle.js';
import { buildBaseline } from '../../core/query/baseline.js';
import { resolveBundle } from '../../core/query/bundle-ref.js';
import { inMemoryClient, sampleStore } from './mcp-fixture.js';

// Baseline annotation end to end: two nodes share the same findings, so after `baseline` every one
// of them is marked is_baseline — and still listed, never removed.
let env: Awaited<ReturnType<typeof sampleStore>>;
let client: Client;
beforeAll(async () => {
  env = await sampleStore();
  await ingestBundle({ store: env.deps.store, catalog: env.deps.catalog, source: { kind: 'archive', path: env.archive }, node: 'node-b' });
  const refs = [await resolveBundle(env.deps.store, env.bundle.node), await resolveBundle(env.deps.store, 'node-b')];
  await buildBaseline(env.deps.store, 'default', refs);
  client = await inMemoryClient(env.deps);
});
afterAll(async () => {
  await client?.close();
  await env?.cleanup();
});

describe('errors with a cluster baseline', () => {
  it('marks findings both nodes share as is_baseline and keeps them in the list', async () => {
    const r = (await client.callTool({ name: 'errors', arguments: { node: 'node-b', whole_bundle: true } })) as CallToolResult;
    const out = r.structuredContent as { findings: { code: string; is_baseline: boolean }[]; total_matching: number };
    expect(out.total_matching).toBe(env.bundle.findings.findings.length);
    expect(out.findings.length).toBeGreaterThan(0);
    expect(out.findings.every((f) => f.is_baseline)).toBe(true);
  });
});
