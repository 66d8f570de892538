import { z } from 'zod';
import { resolveBundle } from '../../core/query/bundle-ref.js';
import { checkExpectedFiles } from '../../core/query/expected-files.js';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { bundleIdField, bundleInfo, bundleOutput, nodeField } from './common-fields.js';

export const validateTool = defineTool({
  name: 'validate',
  title: 'Check a bundle is complete',
  description:
    'Checks what a bundle holds against what a complete eks-log-collector.sh bundle has: present, empty and missing files with what each is needed for, entries skipped at ingest and scan coverage. ' +
    'Use it before trusting an absence ("no kubelet errors") and when a tool reports a data gap.',
  inputSchema: { node: nodeField, bundleId: bundleIdField },
  outputSchema: {
    bundle: bundleOutput,
    complete: z.boolean().describe('archive read to the end and every expected file present and non-empty'),
    files: z.array(z.object({ path: z.string(), needed_for: z.string(), state: z.enum(['present', 'empty', 'missing']), size: z.number() })),
    skipped_at_ingest: z.array(z.object({ path: z.string(), reason: z.string(), detail: z.string().optional() })).describe('first 50 entries skipped, with why'),
    skipped_total: z.number().int(),
    coverage_ratio: z.number().describe('bytes scanned / bytes of text files (1 means every byte was scanned)'),
    file_count: z.number().int(),
    error: z.string().nullable().describe('why a partial bundle stopped'),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    const ref = await resolveBundle(deps.store, a.node, a.bundleId);
    const m = ref.manifest;
    const files = checkExpectedFiles(m);
    return {
      bundle: bundleInfo(ref),
      complete: m.status === 'complete' && files.every((f) => f.state === 'present'),
      files,
      skipped_at_ingest: m.skipped.slice(0, 50).map((s) => ({ path: s.path, reason: s.reason, ...(s.detail ? { detail: s.detail } : {}) })),
      skipped_total: m.skipped.length,
      coverage_ratio: m.coverage.bytesTotal === 0 ? 1 : m.coverage.bytesScanned / m.coverage.bytesTotal,
      file_count: m.files.length,
      error: m.error ?? null,
    };
  },
});
