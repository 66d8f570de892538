import { z } from 'zod';
import type { Finding } from '../../core/findings/finding.js';
import { loadBaseline, isBaseline } from '../../core/query/baseline.js';
import { resolveBundle } from '../../core/query/bundle-ref.js';
import { findingsCache } from '../../core/query/findings-cache.js';
import { overlaps, resolveWindow } from '../../core/query/time-window.js';
import { SEVERITIES } from '../../core/rules/rule-schema.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';
import { bundleIdField, bundleInfo, bundleOutput, nodeField, windowFields, windowOutput } from './common-fields.js';

const MAX_PAGE = 200;

const findingOut = z.object({
  id: z.string(), code: z.string(), title: z.string(), severity: z.enum(SEVERITIES), category: z.string(),
  count: z.number().int(), firstSeen: z.string().nullable(), lastSeen: z.string().nullable(),
  confirmation: z.number().int().describe('independent origins that agree'),
  sources: z.array(z.object({ path: z.string(), count: z.number().int(), firstLine: z.number().int(), lastLine: z.number().int() })),
  sample: z.object({ path: z.string(), line: z.number().int(), timestamp: z.string().nullable(), text: z.string() }).nullable(),
  sops: z.array(z.string()),
  is_baseline: z.boolean().describe('seen on at least half the nodes of the cluster baseline: likely noise, kept in the list'),
});

export const errorsTool = defineTool({
  name: 'errors',
  title: 'List findings',
  description:
    "Lists the findings (F-NNN ids) indexed from a node's bundle, most severe first, with counts, first/last seen and where they come from. " +
    'Use it first on a node, then read/search/correlate the ids it returns.',
  inputSchema: {
    node: nodeField,
    bundleId: bundleIdField,
    severity: z.array(z.enum(SEVERITIES)).optional().describe('only these severities (default: all)'),
    category: z.string().max(40).optional().describe('only this category, e.g. networking, kubelet, kernel, storage'),
    code: z.string().max(80).optional().describe('only this finding code, e.g. IPAMDNoIPs'),
    ...windowFields,
    whole_bundle: z.boolean().optional().describe('ignore the time window and list every finding of the bundle (default false)'),
    page_size: z.number().int().min(1).optional().describe(`findings per page (default 50, at most ${MAX_PAGE}; larger values are clamped)`),
    cursor: z.string().max(32).optional().describe('next_cursor from the previous page'),
  },
  outputSchema: {
    bundle: bundleOutput,
    findings: z.array(findingOut),
    summary: z.object({ critical: z.number().int(), high: z.number().int(), warning: z.number().int(), info: z.number().int() }).describe('counts over every finding that passed the filters (all pages)'),
    total_matching: z.number().int(),
    returned: z.number().int(),
    next_cursor: z.string().nullable().describe('pass as cursor for the next page; null on the last page'),
    truncated: z.boolean().describe('more findings than this page'),
    page_size_clamped: z.boolean(),
    coverage: z.object({ bytesScanned: z.number(), bytesTotal: z.number(), filesScanned: z.number().int(), filesSkipped: z.number().int() }),
    ...windowOutput,
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    const ref = await resolveBundle(deps.store, a.node, a.bundleId);
    const index = await findingsCache.get(deps.store, ref);
    const window = resolveWindow(a, Date.parse(ref.manifest.collectedAt));
    const offset = a.cursor === undefined ? 0 : Number(a.cursor);
    if (!Number.isInteger(offset) || offset < 0) throw new ToolError('cursor is not one this tool returned: start again without cursor');
    const size = Math.min(a.page_size ?? 50, MAX_PAGE);
    const sev = a.severity ? new Set(a.severity) : undefined;
    let excluded = 0;
    const matching = index.findings.filter((f) => {
      if (sev && !sev.has(f.severity)) return false;
      if (a.category && f.category !== a.category) return false;
      if (a.code && f.code !== a.code) return false;
      if (!a.whole_bundle && !overlaps(window, f.firstSeen, f.lastSeen)) {
        excluded++;
        return false;
      }
      return true;
    });
    const summary = { critical: 0, high: 0, warning: 0, info: 0 };
    for (const f of matching) summary[f.severity]++;
    const baseline = await loadBaseline(deps.store, ref.manifest.cluster ?? 'default');
    const page = matching.slice(offset, offset + size).map((f: Finding) => ({
      id: f.id, code: f.code, title: f.title, severity: f.severity, category: f.category, count: f.count,
      firstSeen: f.firstSeen, lastSeen: f.lastSeen, confirmation: f.confirmation, sources: f.sources.slice(0, 5),
      sample: f.samples[0] ? { path: f.samples[0].path, line: f.samples[0].line, timestamp: f.samples[0].timestamp, text: f.samples[0].text } : null,
      sops: f.sops,
      is_baseline: baseline ? isBaseline(baseline, f) : false,
    }));
    const next = offset + size < matching.length ? String(offset + size) : null;
    const c = index.coverage;
    return {
      bundle: bundleInfo(ref), findings: page, summary, total_matching: matching.length, returned: page.length,
      next_cursor: next, truncated: next !== null, page_size_clamped: (a.page_size ?? 0) > MAX_PAGE,
      coverage: { bytesScanned: c.bytesScanned, bytesTotal: c.bytesTotal, filesScanned: c.filesScanned, filesSkipped: c.filesSkipped },
      window_start_utc: a.whole_bundle ? 'bundle' : window.window_start_utc,
      window_end_utc: a.whole_bundle ? 'bundle' : window.window_end_utc,
      resolution_reason: a.whole_bundle ? 'whole_bundle' : window.resolution_reason,
      excluded_by_window: excluded,
    };
  },
});
