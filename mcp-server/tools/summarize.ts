import { z } from 'zod';
import { resolveBundle } from '../../core/query/bundle-ref.js';
import { isCallerError } from '../../core/query/query-error.js';
import { MAX_SUMMARY_IDS, summarize } from '../../core/query/summarize.js';
import { SEVERITIES } from '../../core/rules/rule-schema.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';
import { bundleIdField, bundleInfo, bundleOutput, nodeField } from './common-fields.js';

const count = z.number().int();

export const summarizeTool = defineTool({
  name: 'summarize',
  title: 'Summarize evidence ids',
  description:
    'Summarizes the findings (F-), search hits (S-), network issues (N-) and capture anomalies (P-) you name for one bundle: severity counts, components, time span, evidence lines (path:line) and a short text built only from the ids that resolve; ids that do not resolve are listed in unresolved with the reason. ' +
    'Use it at the end of an investigation, on the ids you relied on, to state only what the evidence shows.',
  inputSchema: {
    node: nodeField,
    bundleId: bundleIdField,
    ids: z.array(z.string().min(1).max(80)).min(1).max(MAX_SUMMARY_IDS)
      .describe(`ids returned by errors (F-…), search (S-…), network_diagnostics (N-…) or tcpdump_analyze (P-…) for THIS bundle; 1 to ${MAX_SUMMARY_IDS}, duplicates ignored`),
  },
  outputSchema: {
    bundle: bundleOutput,
    requested: count.describe('distinct ids asked for'),
    resolved: z.array(z.object({
      id: z.string(),
      kind: z.enum(['finding', 'search', 'network', 'capture']),
      title: z.string(),
      code: z.string().nullable(),
      severity: z.enum(SEVERITIES).nullable().describe('null for results without a severity (most search hits)'),
      count: count.nullable().describe('occurrences, for findings'),
      firstSeen: z.string().nullable(),
      lastSeen: z.string().nullable(),
      components: z.array(z.string()).describe('components whose logs hold the item'),
    })).describe('ids that resolved, in the order asked'),
    unresolved: z.array(z.object({ id: z.string(), reason: z.string().describe('why, and what to call to get a valid id') }))
      .describe('ids that did not resolve; nothing about them is in the summary'),
    severityCounts: z.object({ critical: count, high: count, warning: count, info: count, unrated: count }),
    components: z.array(z.object({ component: z.string(), items: count })).describe('resolved items per component, most first'),
    timeSpan: z.object({ first: z.string(), last: z.string() }).nullable().describe('earliest first-seen to latest last-seen of the resolved items, UTC'),
    evidence: z.array(z.object({
      id: z.string(), path: z.string(), line: count.describe('1-based line, for read'), t: z.string().nullable(), text: z.string(),
    })).describe('sample lines of the resolved items (up to 3 per item, 50 in all)'),
    evidenceTruncated: z.boolean().describe('more evidence lines than the 50 returned'),
    summary: z.string().describe('plain-text summary of the resolved items'),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    try {
      const ref = await resolveBundle(deps.store, a.node, a.bundleId);
      const s = await summarize(deps.store, ref, a.ids);
      return {
        bundle: bundleInfo(ref), requested: s.requested, resolved: s.resolved, unresolved: s.unresolved,
        severityCounts: s.severityCounts, components: s.components, timeSpan: s.timeSpan,
        evidence: s.evidence, evidenceTruncated: s.evidenceTruncated, summary: s.summary,
      };
    } catch (err) {
      if (isCallerError(err)) throw new ToolError(err.message);
      throw err;
    }
  },
});
