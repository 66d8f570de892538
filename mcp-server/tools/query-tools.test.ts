import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestSampleStore, ingestVariant, type QueryBundles } from '../../test/fixtures/query-bundles.js';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { type ToolDefinition, type ToolDeps, ToolError } from '../tool-definition.js';
import { compareNodesTool } from './compare-nodes.js';
import { correlateTool } from './correlate.js';
import { quickTriageTool } from './quick-triage.js';
import { summarizeTool } from './summarize.js';

let b: QueryBundles;
let deps: ToolDeps;
beforeAll(async () => {
  b = await ingestSampleStore();
  await ingestVariant(b, 'node-b');
  deps = {
    store: b.store, catalog: CompiledCatalog.load(), now: () => Date.parse('2024-03-14T10:00:00Z'),
    log: pino({ level: 'silent' }), sopsDir: fileURLToPath(new URL('../../sops', import.meta.url)),
  };
});
afterAll(async () => b.cleanup());

/** Calls a tool as the server does: input parsed by its schema, output checked against its output schema. */
async function call(tool: ToolDefinition, args: Record<string, unknown>) {
  const input = z.object(tool.inputSchema).parse(args);
  const out = await tool.handler(input as never, deps);
  return z.object(tool.outputSchema).strict().parse(out) as Record<string, any>;
}

describe('query tools', () => {
  const tools = [correlateTool, summarizeTool, quickTriageTool, compareNodesTool] as unknown as ToolDefinition[];

  it('describe every input field and are read-only', () => {
    for (const t of tools) {
      expect(t.annotations.readOnlyHint, t.name).toBe(true);
      for (const [k, f] of Object.entries(t.inputSchema)) expect((f as z.ZodType).description, `${t.name}.${k}`).toBeTruthy();
      const sentences = t.description.split(/(?<=\.)\s+/);
      expect(sentences.length, t.name).toBeGreaterThanOrEqual(2);
      expect(sentences[1], t.name).toMatch(/^Use\b/);
    }
  });

  it('correlate answers within its output schema and honours its parameters', async () => {
    const r = await call(correlateTool as never, { node: b.ref.node, gap_seconds: 600, components: ['kubelet'], max_events: 5 });
    expect(r.timeline).toHaveLength(5);
    expect(r.truncated).toBe(true);
    expect(r.components).toEqual(['kubelet']);
    expect(r.chains[0].id).toBe('ip-exhaustion');
    expect(r.window_end_utc).toBe(b.ref.manifest.collectedAt);
  });

  it('summarize, quick_triage and compare_nodes answer within their output schemas', async () => {
    const s = await call(summarizeTool as never, { node: b.ref.node, ids: ['F-001', 'F-777'] });
    expect(s.unresolved.map((u: { id: string }) => u.id)).toEqual(['F-777']);
    const t = await call(quickTriageTool as never, { node: b.ref.node });
    expect(t.top.id).toBe('ip-exhaustion');
    const c = await call(compareNodesTool as never, { nodes: [b.ref.node, 'node-b'] });
    expect(c.configs.find((x: { file: string }) => x.file === 'sysctls/sysctl_all.txt').identical).toBe(false);
  });

  it('turns what the caller can fix into tool errors that say what to do next', async () => {
    await expect(call(summarizeTool as never, { node: b.ref.node, ids: ['F-777'] })).rejects.toThrow(ToolError);
    await expect(call(correlateTool as never, { node: b.ref.node, start_time: '2024-03-14T08:00:00Z' })).rejects.toThrow(ToolError);
    await expect(call(correlateTool as never, { node: 'no-such-node' })).rejects.toThrow(/call history|collect/i);
    await expect(call(compareNodesTool as never, { nodes: [b.ref.node, b.ref.node] })).rejects.toThrow(/different bundles/);
    await expect(call(compareNodesTool as never, { nodes: [b.ref.node, 'a/b/c'] })).rejects.toThrow(ToolError);
  });
});
