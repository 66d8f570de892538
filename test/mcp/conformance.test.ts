import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startHttp } from '../../mcp-server/http.js';
import { repoRoot, sampleStore } from './mcp-fixture.js';

// The official MCP conformance suite (npm @modelcontextprotocol/conformance) against our real HTTP
// server, started with the test-only fixtures its scenarios name (mcp-server/conformance-fixtures.ts),
// twice: stateless (the default) and in session mode. Stateless, the scenarios that need a session
// (server-to-client requests, subscriptions, Mcp-Session-Id) are listed in conformance-baseline.yml,
// each with its reason; in session mode the list (conformance-baseline-sessions.yml) is empty. The
// suite's CLI exits non-zero on any other failure (a WARNING counts as one) and on a listed scenario
// that passes, so each list is exact.
let env: Awaited<ReturnType<typeof sampleStore>>;
let http: Awaited<ReturnType<typeof startHttp>>;
let sessionHttp: Awaited<ReturnType<typeof startHttp>>;
beforeAll(async () => {
  env = await sampleStore();
  http = await startHttp(env.deps, { host: '127.0.0.1', port: 0, conformanceFixtures: true });
  sessionHttp = await startHttp(env.deps, { host: '127.0.0.1', port: 0, conformanceFixtures: true, sessions: true });
});
afterAll(async () => {
  await http?.close();
  await sessionHttp?.close();
  await env?.cleanup();
});

const baselineFile = join(repoRoot, 'test/mcp/conformance-baseline.yml');
const sessionBaselineFile = join(repoRoot, 'test/mcp/conformance-baseline-sessions.yml');
const baseline = (file = baselineFile) => (parse(readFileSync(file, 'utf8')) as { server: string[] }).server;

/** Runs the suite's CLI against `url` with `file` as its expected failures; returns its exit code and output. */
async function runSuite(url: string, file: string, outDir: string): Promise<{ code: number | null; out: string }> {
  const cli = join(repoRoot, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
  // spawn, not spawnSync: blocking this process's event loop would block the server under test too
  const child = spawn(process.execPath, [cli, 'server', '--url', url, '--expected-failures', file, '-o', join(env.dir, outDir)], { cwd: env.dir });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { code, out };
}

describe('MCP conformance suite', () => {
  it('serves the fixtures next to our own tools, resources and prompts', async () => {
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain('errors');
      expect(tools).toContain('test_simple_text');
      expect(tools).toHaveLength(21 + 12);
      const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
      expect(prompts).toEqual(expect.arrayContaining(['triage_node', 'investigate_incident', 'test_simple_prompt']));
      const resources = (await client.listResources()).resources.map((r) => r.uri);
      expect(resources).toEqual(expect.arrayContaining(['test://static-text', 'test://static-binary']));
      expect(resources.some((u) => u.startsWith('sop://'))).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('answers concurrent POSTs (what server-sse-multiple-streams would check after its session step)', async () => {
    const post = (id: number) =>
      fetch(http.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', params: {} }),
      }).then(async (r) => ({ status: r.status, body: await r.text() }));
    const replies = await Promise.all([1000, 1001, 1002].map(post));
    for (const [i, r] of replies.entries()) {
      expect(r.status).toBe(200);
      expect(r.body).toContain(`"id":${1000 + i}`);
      expect(r.body).toContain('test_simple_text');
    }
  });

  it('passes every scenario except the documented expected failures', async () => {
    const listed = baseline();
    expect(new Set(listed).size).toBe(listed.length);
    const { code, out } = await runSuite(http.url, baselineFile, 'conformance');
    expect(code, out.slice(-4000)).toBe(0);
    // the CLI ignores a baseline name that matches no scenario it ran: a typo would go unnoticed
    for (const s of listed) expect(out, `baseline entry "${s}" is not a scenario of the suite`).toContain(`=== Running scenario: ${s} ===`);
    expect(out).toContain('Baseline check passed');
  }, 300_000);
});

describe('MCP conformance suite in session mode', () => {
  it('passes every scenario, the stateless baseline included (empty baseline)', async () => {
    expect(baseline(sessionBaselineFile)).toEqual([]);
    const { code, out } = await runSuite(sessionHttp.url, sessionBaselineFile, 'conformance-sessions');
    expect(code, out.slice(-4000)).toBe(0);
    // the scenarios the stateless server cannot pass did run here, and nothing failed at all
    for (const s of baseline()) expect(out).toContain(`=== Running scenario: ${s} ===`);
    expect(out).not.toMatch(/Unexpected failures/);
    expect(out).toMatch(/Total: [1-9]\d* passed, 0 failed/);
    expect(out).toContain('Baseline check passed');
  }, 300_000);
});
