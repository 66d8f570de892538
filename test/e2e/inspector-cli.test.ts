import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, sampleStore } from '../mcp/mcp-fixture.js';

// A second, independent MCP client: the MCP Inspector's CLI (npm @modelcontextprotocol/inspector, its CLI client)
// launches our server over stdio and drives the investigation an agent would: findings, search,
// read, correlate, summarize, each citing the ids the previous call returned.
const inspector = join(repoRoot, 'node_modules/@modelcontextprotocol/inspector/clients/cli/build/index.js');
let env: Awaited<ReturnType<typeof sampleStore>>;
beforeAll(async () => {
  env = await sampleStore();
});
afterAll(async () => {
  await env?.cleanup();
});

function callTool(tool: string, args: Record<string, string | number>): Record<string, unknown> {
  const r = spawnSync(process.execPath, [
    inspector, process.execPath, join(repoRoot, 'dist/cli/main.js'), 'serve', '--stdio', '--store', env.storeDir,
    '--method', 'tools/call', '--tool-name', tool, '--tool-arg', ...Object.entries(args).map(([k, v]) => `${k}=${v}`),
  ], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { structuredContent?: Record<string, unknown>; isError?: boolean; content: { text: string }[] };
  expect(out.isError, out.content?.[0]?.text).toBeFalsy();
  return out.structuredContent!;
}

describe('MCP Inspector CLI against the stdio server', () => {
  it('lists findings, searches, reads, correlates and summarizes with grounded ids', () => {
    const node = env.bundle.node;
    const errors = callTool('errors', { node, page_size: 3 }) as { findings: { id: string; code: string; sample: { path: string; line: number } }[] };
    const top = errors.findings[0]!;
    expect(top.code).toBe('IPAMDNoIPs');
    const search = callTool('search', { node, pattern: 'InsufficientFreeAddressesInSubnet', max_results: 1 }) as { hits: { id: string; path: string; line: number }[] };
    expect(search.hits[0]!.id).toMatch(/^S-\d+$/);
    const read = callTool('read', { node, path: top.sample.path, line_start: top.sample.line, line_end: top.sample.line + 1 }) as { lines: { n?: number; line?: number; text: string }[] };
    expect(JSON.stringify(read.lines)).toContain('InsufficientFreeAddressesInSubnet');
    const corr = callTool('correlate', { node, incident_time: '2024-03-14T08:40:00Z', window_minutes: 30 }) as { chains: { id: string; complete: boolean }[] };
    expect(corr.chains.find((c) => c.id === 'ip-exhaustion')?.complete).toBe(true);
    const sum = callTool('summarize', { node, ids: JSON.stringify([top.id, search.hits[0]!.id]) }) as { unresolved: unknown[] };
    expect(sum.unresolved).toEqual([]);
  }, 120_000);
});
