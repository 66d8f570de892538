import { z } from 'zod';
import { type BundleRef, resolveBundle } from '../../core/query/bundle-ref.js';
import { compareNodes, MAX_NODES, MIN_NODES } from '../../core/query/compare-nodes.js';
import { MAX_DIFF_LINES } from '../../core/query/config-diff.js';
import { isCallerError } from '../../core/query/query-error.js';
import { SEVERITIES } from '../../core/rules/rule-schema.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';

const sig = {
  signature: z.string().describe('code + hash of the message template: the same problem across nodes'),
  code: z.string(), title: z.string(), severity: z.enum(SEVERITIES),
};

export const compareNodesTool = defineTool({
  name: 'compare_nodes',
  title: 'Compare nodes',
  description:
    "Compares 2-10 nodes' bundles: findings common to all of them and unique to each (matched by code and message template, with counts), and line diffs of the configuration files the bundles hold (kubelet config, containerd config, sysctls, CNI conflist, IPAMD env), with files missing on a node reported as missing. " +
    'Use it when one node misbehaves and its siblings do not, to see what differs; findings common to all nodes are likely not the cause.',
  inputSchema: {
    nodes: z.array(z.string().min(1).max(300)).min(MIN_NODES).max(MAX_NODES)
      .describe(`${MIN_NODES} to ${MAX_NODES} node names or instance ids, each using its newest bundle; write "node/bundleId" to pin a bundle (e.g. the same node before and after). The first is the reference for config diffs`),
  },
  outputSchema: {
    nodes: z.array(z.object({ node: z.string(), bundleId: z.string(), collectedAt: z.string(), findings: z.number().int() })).describe('the bundles compared, in the order given'),
    common: z.array(z.object({ ...sig, counts: z.array(z.object({ node: z.string(), finding: z.string().describe('F- id on that node'), count: z.number().int() })) }))
      .describe('on every node: likely background, most severe first (at most 100)'),
    commonTruncated: z.boolean(),
    unique: z.array(z.object({
      node: z.string(),
      findings: z.array(z.object({ ...sig, finding: z.string(), count: z.number().int(), sample: z.string().nullable().describe('path:line') })),
      truncated: z.boolean(),
    })).describe('per node, what only that node shows: the first place to look (at most 100 each)'),
    partial: z.array(z.object({ ...sig, presentOn: z.array(z.string()), missingOn: z.array(z.string()) })).describe('with 3+ nodes: on several nodes but not all'),
    partialTruncated: z.boolean(),
    configs: z.array(z.object({
      file: z.string().describe('bundle path'),
      presentOn: z.array(z.string()),
      missingOn: z.array(z.string()).describe('nodes whose bundle lacks the file'),
      reference: z.string().nullable().describe('node the others are diffed against: the first that has the file'),
      identical: z.boolean().describe('every copy present is the same (JSON compared after sorting keys)'),
      diffs: z.array(z.object({
        node: z.string(), added: z.number().int(), removed: z.number().int(),
        hunks: z.array(z.string()).describe(`unified diff lines vs the reference, at most ${MAX_DIFF_LINES}`),
        truncated: z.boolean(), gaveUp: z.boolean().optional().describe('files too different to diff in time'),
      })),
      note: z.string().optional(),
    })),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    try {
      const refs: BundleRef[] = [];
      for (const n of a.nodes) {
        const [node, bundleId, extra] = n.split('/');
        if (!node || extra !== undefined) throw new ToolError(`"${n.slice(0, 80)}" is not a node name or node/bundleId`);
        refs.push(await resolveBundle(deps.store, node, bundleId));
      }
      return await compareNodes(deps.store, refs);
    } catch (err) {
      if (isCallerError(err)) throw new ToolError(err.message);
      throw err;
    }
  },
});
