import { z } from 'zod';
import { listBundles, resolveBundle } from '../../core/query/bundle-ref.js';
import { captureAnalysis, captureKeys, UnknownCaptureError } from '../../core/query/captures.js';
import { loadResults, saveResults } from '../../core/query/result-cache.js';
import { PcapFormatError } from '../../core/pcap/analyze.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';

const MAX_ANOMALIES = 100;
const counts = z.record(z.string(), z.number());

export const tcpdumpAnalyzeTool = defineTool({
  name: 'tcpdump_analyze',
  title: 'Analyse a packet capture',
  description:
    "Analyses every packet of a node's capture (DNS rcodes, unanswered queries and latency, TCP resets, refused connections, retransmissions, zero windows, ICMP unreachable and frag-needed, top talkers) into anomalies with P-NNN ids. " +
    'Use it on a capture from tcpdump_capture or `eks-node-log-mcp import-capture`; cite the P ids in summarize.',
  inputSchema: {
    node: z.string().min(1).max(253).describe('node name the capture is filed under'),
    captureId: z.string().min(1).max(253).optional().describe("capture id; default: the node's newest capture"),
    reanalyze: z.boolean().optional().describe('analyse again instead of using the stored analysis (default false)'),
    max_anomalies: z.number().int().min(1).optional().describe(`anomalies to return (default 50, at most ${MAX_ANOMALIES}; larger values are clamped)`),
  },
  outputSchema: {
    node: z.string(),
    captureId: z.string(),
    packets: z.number().int(),
    undecodable: z.number().int().describe('packets no decoder could read (counted, never fatal)'),
    durationSeconds: z.number(),
    dns: z.object({ queries: z.number(), responses: z.number(), unanswered: z.number(), rcodes: counts, latencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }), nxdomainSearchExpansion: z.number() }),
    tcp: counts,
    icmp: counts,
    anomalies: z.array(z.object({ id: z.string(), type: z.string(), severity: z.string(), message: z.string() })),
    truncated: z.boolean(),
    summarizable_with_bundle: z.string().nullable().describe('bundle whose summarize resolves these P ids (the node\'s newest), or null when the node has no bundle'),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    let r;
    try {
      r = await captureAnalysis(deps.store, a.node, a.captureId, a.reanalyze ?? false);
    } catch (err) {
      if (err instanceof UnknownCaptureError || err instanceof PcapFormatError) throw new ToolError(err.message);
      throw err;
    }
    const an = r.analysis;
    // P ids continue after the node's earlier analyses and are stored with its newest bundle, so
    // summarize on that bundle resolves them (captures are not bundles; the node is what joins them)
    const hasBundle = (await listBundles(deps.store, a.node)).length > 0;
    const ref = hasBundle ? await resolveBundle(deps.store, a.node) : undefined;
    // ids are assigned once per analysis and kept beside it: asking again returns the same P ids
    const idsKey = `${captureKeys(a.node, r.captureId).base}/p-ids.json`;
    let ids: string[] | undefined;
    if (!a.reanalyze) ids = await deps.store.getBuffer(idsKey).then((b) => JSON.parse(b.toString('utf8')) as string[]).catch(() => undefined);
    if (!ids || ids.length !== an.anomalies.length) {
      let first = 1;
      if (ref) {
        const earlier = await loadResults(deps.store, ref, 'capture');
        first = 1 + Math.max(0, ...[...earlier.keys()].map((id) => Number(/^P-(\d+)$/.exec(id)?.[1] ?? 0)));
      }
      ids = an.anomalies.map((_, i) => `P-${String(first + i).padStart(3, '0')}`);
      await deps.store.put(idsKey, JSON.stringify(ids));
    }
    const anomalies = an.anomalies.map((x, i) => ({ id: ids![i]!, type: x.type, severity: x.severity, message: x.message }));
    if (ref) {
      await saveResults(deps.store, ref, 'capture', anomalies.map((x) => ({
        id: x.id, summary: `capture ${r.captureId}: ${x.type}`, severity: x.severity as never, code: x.type, text: x.message,
      })));
    }
    const max = Math.min(a.max_anomalies ?? 50, MAX_ANOMALIES);
    return {
      node: a.node, captureId: r.captureId, packets: an.packets, undecodable: an.undecodable, durationSeconds: an.durationSeconds,
      dns: { queries: an.dns.queries, responses: an.dns.responses, unanswered: an.dns.unanswered, rcodes: an.dns.rcodes, latencyMs: an.dns.latencyMs, nxdomainSearchExpansion: an.dns.nxdomainSearchExpansion },
      tcp: an.tcp, icmp: an.icmp, anomalies: anomalies.slice(0, max), truncated: anomalies.length > max,
      summarizable_with_bundle: ref ? `${ref.node}/${ref.bundleId}` : null,
    };
  },
});
