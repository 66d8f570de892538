import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, sampleStore } from './mcp-fixture.js';

// The built CLI as an MCP client launches it: `eks-node-log-mcp serve --stdio --store DIR`.
let env: Awaited<ReturnType<typeof sampleStore>>;
let client: Client;
beforeAll(async () => {
  env = await sampleStore();
  client = new Client({ name: 'test', version: '1' });
  await client.connect(new StdioClientTransport({
    command: process.execPath,
    args: [join(repoRoot, 'dist/cli/main.js'), 'serve', '--stdio', '--store', env.storeDir],
    stderr: 'pipe',
  }));
});
afterAll(async () => {
  await client?.close();
  await env?.cleanup();
});

describe('MCP server over stdio', () => {
  it('sends the investigation workflow as its instructions', () => {
    expect(client.getInstructions()).toMatch(/quick_triage[\s\S]*summarize/);
  });

  it('serves errors from the store named on the command line', async () => {
    const r = (await client.callTool({ name: 'errors', arguments: { node: env.bundle.node, page_size: 1 } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { findings: { code: string }[] }).findings[0]!.code).toBe('IPAMDNoIPs');
  });

  it('lists the runbooks as resources and reads one', async () => {
    const { resources } = await client.listResources();
    expect(resources.length).toBeGreaterThanOrEqual(41);
    const ip = resources.find((r) => r.uri === 'sop://vpc-cni-ip-allocation')!;
    const doc = await client.readResource({ uri: ip.uri });
    expect((doc.contents[0] as { text: string }).text).toMatch(/## Triage/);
  });

  it('offers the guided triage prompts', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['investigate_incident', 'triage_node']);
    const p = await client.getPrompt({ name: 'triage_node', arguments: { node: env.bundle.node } });
    expect(JSON.stringify(p.messages)).toContain('quick_triage');
  });
});
