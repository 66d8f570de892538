import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttp } from '../../mcp-server/http.js';
import { sampleStore } from './mcp-fixture.js';

let env: Awaited<ReturnType<typeof sampleStore>>;
let http: Awaited<ReturnType<typeof startHttp>>;
let client: Client;

beforeAll(async () => {
  env = await sampleStore();
  http = await startHttp(env.deps, { host: '127.0.0.1', port: 0 });
  client = new Client({ name: 'test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
});
afterAll(async () => {
  await client?.close();
  await http?.close();
  await env?.cleanup();
});

const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;
const node = () => env.bundle.node;

describe('MCP server over Streamable HTTP', () => {
  it('lists the 21 tools, each with a title, an output schema and all four annotations', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'artifact', 'batch_collect', 'batch_status', 'cluster_health', 'collect', 'compare_nodes', 'correlate', 'errors', 'get_sop',
      'history', 'list_sops', 'network_diagnostics', 'quick_triage', 'read', 'search', 'status', 'storage_diagnostics', 'summarize',
      'tcpdump_analyze', 'tcpdump_capture', 'validate',
    ]);
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.outputSchema, t.name).toBeDefined();
      for (const k of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) expect(typeof t.annotations?.[k], `${t.name}.${k}`).toBe('boolean');
      for (const [field, schema] of Object.entries((t.inputSchema.properties ?? {}) as Record<string, { description?: string }>)) {
        expect(schema.description, `${t.name}.${field} has no description`).toBeTruthy();
      }
    }
  });

  it('errors lists the findings of the newest bundle with the true problem first and window metadata', async () => {
    const r = await call('errors', { node: node(), severity: ['critical', 'high'] });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as { findings: { id: string; code: string; is_baseline: boolean }[]; summary: Record<string, number>; total_matching: number; resolution_reason: string; window_end_utc: string };
    expect(out.findings[0]).toMatchObject({ id: 'F-001', code: 'IPAMDNoIPs', is_baseline: false });
    expect(out.summary.warning).toBe(0);
    expect(out.summary.critical + out.summary.high).toBe(out.total_matching);
    expect(out.resolution_reason).toBe('default');
    expect(out.window_end_utc).toBe('2024-03-14T09:12:00.000Z');
  });

  it('errors pages with a cursor and recomputes counts after filtering', async () => {
    const p1 = (await call('errors', { node: node(), page_size: 2 })).structuredContent as { findings: { id: string }[]; next_cursor: string | null; total_matching: number; truncated: boolean };
    expect(p1.findings).toHaveLength(2);
    expect(p1.truncated).toBe(true);
    const p2 = (await call('errors', { node: node(), page_size: 2, cursor: p1.next_cursor })).structuredContent as { findings: { id: string }[] };
    expect(p2.findings[0]!.id).toBe('F-003');
    const warn = (await call('errors', { node: node(), severity: ['warning'] })).structuredContent as { total_matching: number; summary: Record<string, number> };
    expect(warn.summary).toEqual({ critical: 0, high: 0, warning: warn.total_matching, info: 0 });
  });

  it('an incident_time window outside the incident excludes findings and says how many', async () => {
    const out = (await call('errors', { node: node(), incident_time: '2024-03-14T08:05:00Z', window_minutes: 2 })).structuredContent as { excluded_by_window: number; total_matching: number; resolution_reason: string };
    expect(out.resolution_reason).toBe('incident_time');
    expect(out.excluded_by_window).toBeGreaterThan(0);
  });

  it('huge page sizes are clamped, not refused', async () => {
    const out = (await call('errors', { node: node(), page_size: 1_000_000 })).structuredContent as { page_size_clamped: boolean };
    expect(out.page_size_clamped).toBe(true);
  });

  it('an unknown node is a tool error that names the nodes that exist', async () => {
    const r = await call('errors', { node: 'ip-10-9-9-9.ec2.internal' });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain(node());
  });

  it('malformed, reversed and over-24h windows are tool errors that say what to do', async () => {
    expect(text(await call('errors', { node: node(), incident_time: 'yesterday-ish' }))).toMatch(/is not a time: use RFC 3339/);
    expect(text(await call('errors', { node: node(), start_time: '2024-03-14T09:00:00Z', end_time: '2024-03-14T08:00:00Z' }))).toMatch(/not after start_time/);
    expect(text(await call('errors', { node: node(), start_time: '2024-03-10T00:00:00Z', end_time: '2024-03-14T00:00:00Z' }))).toMatch(/longer than 24 h/);
  });

  it('artifact refuses paths outside the bundle and returns small config files whole', async () => {
    const bad = await call('artifact', { node: node(), path: '../../../etc/passwd' });
    expect(bad.isError).toBe(true);
    const ok = (await call('artifact', { node: node(), path: 'kubelet/config.json' })).structuredContent as { content: string; sha256: string };
    expect(JSON.parse(ok.content).maxPods).toBe(29);
    expect(ok.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('validate names the files a complete bundle would have and the sample lacks', async () => {
    const out = (await call('validate', { node: node() })).structuredContent as { complete: boolean; files: { path: string; state: string }[] };
    expect(out.complete).toBe(false);
    expect(out.files.find((f) => f.path === 'networking/iptables-save.txt')?.state).toBe('missing');
    expect(out.files.find((f) => f.path === 'kubelet/kubelet.log')?.state).toBe('present');
  });

  it('history, status, cluster_health and batch_status report the stored bundle', async () => {
    const h = (await call('history', {})).structuredContent as { bundles: { node: string; bundleId: string }[] };
    expect(h.bundles).toEqual([expect.objectContaining({ node: node(), bundleId: env.bundle.bundleId })]);
    const s = (await call('status', { node: node() })).structuredContent as { phase: string; findings: Record<string, number> };
    expect(s.phase).toBe('Completed');
    expect(s.findings).toEqual(env.bundle.findings.summary);
    const c = (await call('cluster_health', {})).structuredContent as { nodes: { node: string; top: { code: string } }[] };
    expect(c.nodes[0]).toMatchObject({ node: node(), top: { code: 'IPAMDNoIPs' } });
    const b = (await call('batch_status', { nodes: [node(), 'ip-10-1-1-1.ec2.internal'] })).structuredContent as { nodes: { state: string }[] };
    expect(b.nodes.map((x) => x.state)).toEqual(['ready', 'no_bundle']);
  });

  it('collect of the local host says what is missing instead of pretending', async () => {
    const r = await call('collect', { node: 'local' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/not available.*import/);
  });

  it('network_diagnostics reports the IPAMD findings and the structured checks, with missing files not checked', async () => {
    type Out = { findings: { code: string }[]; checks: { findings: { id: string; code: string }[]; checked: { check: string; status: string; reason?: string }[] } };
    const out = (await call('network_diagnostics', { node: node() })).structuredContent as Out;
    expect(out.findings.map((f) => f.code)).toContain('IPAMDNoIPs');
    // the sample bundle has no iptables-save.txt: its checks say so instead of reporting ok
    expect(out.checks.checked).toContainEqual({ check: 'kube-proxy-sync', status: 'not-checked', reason: 'not checked: networking/iptables-save.txt missing' });
    expect(out.checks.findings.map((f) => f.code)).toContain('IPAMDNoIPs');
  });

  it('the server stays up after bad calls', async () => {
    await call('errors', { node: '../../etc' });
    await expect(client.ping()).resolves.toBeDefined();
  });

  it('rejects a request with a foreign Origin header (DNS rebinding / browser pages)', async () => {
    const res = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', origin: 'https://evil.example.com' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(403);
  });
});

describe('grounded ids across tools', () => {
  it('search hit ids keep counting across calls and summarize resolves them with findings; unknown ids are listed', async () => {
    const s1 = (await call('search', { node: node(), pattern: 'InsufficientFreeAddressesInSubnet', max_results: 2 })).structuredContent as { hits: { id: string }[] };
    const s2 = (await call('search', { node: node(), pattern: 'failed to assign an IP address', max_results: 2 })).structuredContent as { hits: { id: string }[] };
    const ids = [...s1.hits, ...s2.hits].map((h) => h.id);
    expect(new Set(ids).size).toBe(4);
    const r = (await call('summarize', { node: node(), ids: ['F-001', ...ids, 'S-999', 'F-777'] })).structuredContent as { unresolved: { id: string }[]; resolved?: unknown[] };
    expect(r.unresolved.map((u) => u.id).sort()).toEqual(['F-777', 'S-999']);
  });
});
