import { z } from 'zod';
import { resolveBundle } from '../../core/query/bundle-ref.js';
import { isCallerError } from '../../core/query/query-error.js';
import { quickTriage } from '../../core/query/triage.js';
import { SEVERITIES } from '../../core/rules/rule-schema.js';
import { cachedSops } from '../../core/sops/sop-cache.js';
import type { Sop } from '../../core/sops/sop-library.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';
import { bundleIdField, bundleInfo, bundleOutput, nodeField } from './common-fields.js';

const hypothesis = z.object({
  id: z.string().describe('chain id (e.g. ip-exhaustion) or finding:<code> for a problem outside any chain'),
  kind: z.enum(['chain', 'finding']),
  title: z.string(),
  summary: z.string().describe('the causal story and what was observed'),
  score: z.number().describe('sum of scoreParts; higher ranks first'),
  scoreParts: z.object({
    severity: z.number().describe('worst evidence severity: critical 40, high 30, warning 15, info 5'),
    chain: z.number().describe('30 x share of root-cause chain steps observed, +10 in causal order'),
    volume: z.number().describe('4 x log10(occurrences + 1), at most 10'),
    earliness: z.number().describe('0-10 by rank of first occurrence, earliest highest'),
  }),
  severity: z.enum(SEVERITIES),
  firstSeen: z.string().nullable(),
  evidence: z.array(z.object({
    finding: z.string().describe('F- id for read, correlate and summarize'),
    code: z.string(), severity: z.enum(SEVERITIES), count: z.number().int(), firstSeen: z.string().nullable(),
    sample: z.string().nullable().describe('path:line of a sample line, for read'),
  })).describe('up to 10 findings, most severe first'),
  chain: z.object({
    complete: z.boolean(), ordered: z.boolean(), confidence: z.enum(['high', 'medium', 'low']),
    matchedSteps: z.number().int(), totalSteps: z.number().int(), gaps: z.array(z.string()).describe('missing evidence'),
  }).nullable(),
});

export const quickTriageTool = defineTool({
  name: 'quick_triage',
  title: 'Quick triage of a node',
  description:
    "Ranks the likely root causes in a node's bundle: the top hypothesis with its evidence (F- ids and sample path:line), up to three competing hypotheses with why each ranks lower, and the runbooks to follow. " +
    'Use it first when a node misbehaves and you do not yet know what to look for; then verify with correlate and read.',
  inputSchema: {
    node: nodeField,
    bundleId: bundleIdField,
  },
  outputSchema: {
    bundle: bundleOutput,
    top: hypothesis.nullable().describe('the most likely root cause; null when nothing warning-or-worse was found'),
    competing: z.array(hypothesis.extend({ whyLower: z.string().describe('what the top hypothesis has that this one lacks') })).describe('up to 3, next best first'),
    runbooks: z.array(z.object({
      id: z.string().describe('runbook id for get_sop'),
      title: z.string().nullable(),
      reasons: z.array(z.string()).describe('why it is recommended'),
    })).describe('for the top hypothesis first, at most 6'),
    findingsConsidered: z.number().int(),
    note: z.string().nullable(),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    try {
      const ref = await resolveBundle(deps.store, a.node, a.bundleId);
      let sops: Sop[] = [];
      try {
        sops = cachedSops(deps.sopsDir);
      } catch (err) {
        // the rules still name their runbooks; a broken runbook folder must not stop triage
        deps.log.warn({ err, sopsDir: deps.sopsDir }, 'Runbooks not loaded');
      }
      const t = await quickTriage(deps.store, ref, { sops });
      return {
        bundle: bundleInfo(ref), top: t.top, competing: t.competing, runbooks: t.runbooks,
        findingsConsidered: t.findingsConsidered, note: t.note,
      };
    } catch (err) {
      if (isCallerError(err)) throw new ToolError(err.message);
      throw err;
    }
  },
});
