import { z } from 'zod';
import { resolveBundle } from '../../core/query/bundle-ref.js';
import { findingsCache } from '../../core/query/findings-cache.js';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { bundleIdField, bundleInfo, bundleOutput, nodeField } from './common-fields.js';

export const statusTool = defineTool({
  name: 'status',
  title: 'Bundle status',
  description:
    "Reports where a node's bundle stands: collected and ingested when, complete or partial, how many files, findings by severity and scan coverage. " +
    'Use it after collect or import to know whether the findings are ready, and to check a bundle before analysing it.',
  inputSchema: { node: nodeField, bundleId: bundleIdField },
  outputSchema: {
    bundle: bundleOutput,
    phase: z.enum(['Completed', 'Partial']).describe('Completed, or Partial when the archive was cut short (its error says why)'),
    ingestedAt: z.string(),
    method: z.string().describe('how the bundle was made: import, agent, job, ssm, local'),
    collector: z.object({ name: z.string(), version: z.string().nullable() }),
    files: z.number().int(),
    findings: z.object({ critical: z.number().int(), high: z.number().int(), warning: z.number().int(), info: z.number().int() }),
    coverage_ratio: z.number(),
    rules_version: z.string(),
    error: z.string().nullable(),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    const ref = await resolveBundle(deps.store, a.node, a.bundleId);
    const idx = await findingsCache.get(deps.store, ref);
    const m = ref.manifest;
    return {
      bundle: bundleInfo(ref),
      phase: m.status === 'complete' ? ('Completed' as const) : ('Partial' as const),
      ingestedAt: m.ingestedAt,
      method: m.method,
      collector: m.collector,
      files: m.files.length,
      findings: idx.summary,
      coverage_ratio: m.coverage.bytesTotal === 0 ? 1 : m.coverage.bytesScanned / m.coverage.bytesTotal,
      rules_version: m.rulesVersion,
      error: m.error ?? null,
    };
  },
});
