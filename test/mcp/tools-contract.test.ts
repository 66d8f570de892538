import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpServer } from '../../mcp-server/server.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderToolsDoc } from '../../mcp-server/gen-tools-doc.js';
import { ALL_TOOLS } from '../../mcp-server/tools/index.js';
import { repoRoot, sampleStore } from './mcp-fixture.js';

// STYLE.md 5: the tool contract is an API. This snapshot of tools/list changes only on purpose:
// review the diff, and keep an alias when a name changes. Refresh with `vitest run -u`.
let env: Awaited<ReturnType<typeof sampleStore>>;
let client: Client;
beforeAll(async () => {
  env = await sampleStore();
  const server = createMcpServer(env.deps);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  client = new Client({ name: 'snapshot', version: '1' });
  await client.connect(b);
});
afterAll(async () => {
  await client?.close();
  await env?.cleanup();
});

describe('tools/list contract', () => {
  it('matches the reviewed snapshot (names, titles, schemas, annotations)', async () => {
    const { tools } = await client.listTools();
    const contract = tools
      .map((t) => ({ name: t.name, title: t.title, annotations: t.annotations, inputSchema: t.inputSchema, outputSchema: t.outputSchema }))
      .sort((x, y) => x.name.localeCompare(y.name));
    await expect(`${JSON.stringify(contract, null, 2)}\n`).toMatchFileSnapshot('./tools-list.snapshot.json');
  });

  it('docs/tools.md is generated from the tool definitions (run `npm run docs:tools`)', () => {
    expect(readFileSync(join(repoRoot, 'docs/tools.md'), 'utf8')).toBe(renderToolsDoc(ALL_TOOLS));
  });

  it('every description says what in its first sentence and when in its second', async () => {
    const { tools } = await client.listTools();
    for (const t of tools) {
      const sentences = (t.description ?? '').split(/(?<=\.)\s+/).filter(Boolean);
      expect(sentences.length, t.name).toBeGreaterThanOrEqual(2);
      expect(sentences[1], t.name).toMatch(/^(Use|Call|Run)\b/);
    }
  });
});
