import { z } from 'zod';
import { resolveBundle } from '../../core/query/bundle-ref.js';
import { correlate, DEFAULT_GAP_SECONDS, DEFAULT_MAX_EVENTS, MAX_EVENTS_CAP } from '../../core/query/correlate.js';
import { KNOWN_COMPONENTS } from '../../core/query/events.js';
import { isCallerError } from '../../core/query/query-error.js';
import { SEVERITIES } from '../../core/rules/rule-schema.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';
import { bundleIdField, bundleInfo, bundleOutput, nodeField, windowFields, windowOutput } from './common-fields.js';

/** One matched root-cause chain; quick_triage reports the same facts per hypothesis. */
export const chainOutput = z.object({
  id: z.string().describe('chain id, e.g. ip-exhaustion'),
  title: z.string(),
  description: z.string().describe('the causal story this chain stands for'),
  outcome: z.string().describe('what users see that node logs do not record (pods Pending, node NotReady)'),
  runbook: z.string().describe('runbook id for get_sop'),
  totalSteps: z.number().int(),
  matchedSteps: z.array(z.object({
    step: z.number().int().describe('1-based position in the chain, cause first'),
    name: z.string(),
    codes: z.array(z.string()).describe('codes of this step that were observed'),
    firstSeen: z.string().nullable().describe('first occurrence of the step in the window, UTC'),
    findings: z.array(z.string()).describe('F- ids that make up the step'),
  })),
  complete: z.boolean().describe('every step observed'),
  ordered: z.boolean().describe('the observed steps first occur in causal order (5 s tolerance between loggers)'),
  confidence: z.enum(['high', 'medium', 'low']).describe('high: complete, ordered and every needed log present'),
  gaps: z.array(z.string()).describe('missing evidence: steps not observed, logs absent from the bundle, out-of-order steps'),
});

export const correlateTool = defineTool({
  name: 'correlate',
  title: 'Correlate events across logs',
  description:
    "Builds one time-ordered timeline of a node's matched log lines across every log (kubelet, containerd, IPAMD/CNI, kernel, CoreDNS…), groups it into bursts, and matches it against known root-cause chains (such as IP exhaustion -> CNI failure -> sandbox failure) with confidence and missing evidence. " +
    'Use it after errors or quick_triage to check what happened first and whether a suspected cause really precedes its effects; pivot_finding centers the view on one finding.',
  inputSchema: {
    node: nodeField,
    bundleId: bundleIdField,
    ...windowFields,
    gap_seconds: z.number().min(1).max(86_400).optional().describe(`a new cluster (burst) starts where consecutive events are more than this many seconds apart (default ${DEFAULT_GAP_SECONDS})`),
    pivot_finding: z.string().regex(/^F-\d+$/).optional().describe('F- id from errors: the window becomes its first occurrence ± window_minutes (default 5 minutes); do not combine with start_time/end_time/incident_time'),
    components: z.array(z.enum(KNOWN_COMPONENTS as [string, ...string[]])).max(KNOWN_COMPONENTS.length).optional()
      .describe('only events from these components in timeline and clusters (default: all); root-cause chains still use every component'),
    max_events: z.number().int().min(1).optional().describe(`timeline length, earliest events first (default ${DEFAULT_MAX_EVENTS}; values above ${MAX_EVENTS_CAP} are clamped)`),
  },
  outputSchema: {
    bundle: bundleOutput,
    ...windowOutput,
    pivot: z.object({ finding: z.string(), code: z.string(), firstSeen: z.string() }).nullable().describe('the finding the window is centered on'),
    gap_seconds: z.number().describe('cluster gap applied, seconds'),
    components: z.array(z.string()).nullable().describe('component filter applied; null = all'),
    max_events: z.number().int().describe('timeline cap applied'),
    timeline: z.array(z.object({
      t: z.string().nullable().describe('UTC time of the line; null when it had none (listed last)'),
      finding: z.string(), code: z.string(), severity: z.enum(SEVERITIES).nullable(),
      component: z.string(), path: z.string().describe('bundle file'), line: z.number().int().describe('1-based line number, for read'),
      text: z.string().describe('the line, at most 500 characters'),
    })).describe('matched lines in real time order'),
    matched: z.number().int().describe('events that passed every filter; the timeline holds the earliest max_events of them'),
    truncated: z.boolean().describe('more events than max_events: narrow the window or raise max_events'),
    untimed: z.number().int().describe('matching events without a timestamp (kept, not clustered)'),
    clusters: z.array(z.object({
      start: z.string(), end: z.string(), events: z.number().int(),
      codes: z.array(z.string()), findings: z.array(z.string()),
    })).describe('bursts of events separated by more than gap_seconds, earliest first (at most 100)'),
    clusters_truncated: z.boolean(),
    chains: z.array(chainOutput).describe('root-cause chains with at least one observed step, most confident first'),
    excluded: z.number().int().describe('events left out by the window or the component filter'),
    excluded_by_component: z.number().int(),
    malformed_events: z.number().int().describe('unreadable lines in the events file (0 unless the bundle is damaged)'),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    try {
      const ref = await resolveBundle(deps.store, a.node, a.bundleId);
      const window = { start_time: a.start_time, end_time: a.end_time, incident_time: a.incident_time, window_minutes: a.window_minutes };
      const r = await correlate(deps.store, ref, {
        window, gapSeconds: a.gap_seconds, pivotFinding: a.pivot_finding, components: a.components, maxEvents: a.max_events,
      });
      return {
        bundle: bundleInfo(ref),
        window_start_utc: r.window_start_utc, window_end_utc: r.window_end_utc, resolution_reason: r.resolution_reason,
        excluded_by_window: r.excludedByWindow, pivot: r.pivot, gap_seconds: r.gapSeconds, components: r.components,
        max_events: r.maxEvents, timeline: r.timeline, matched: r.matched, truncated: r.truncated, untimed: r.untimed,
        clusters: r.clusters, clusters_truncated: r.clustersTruncated, chains: r.chains, excluded: r.excluded,
        excluded_by_component: r.excludedByComponent, malformed_events: r.malformedEvents,
      };
    } catch (err) {
      if (isCallerError(err)) throw new ToolError(err.message);
      throw err;
    }
  },
});
