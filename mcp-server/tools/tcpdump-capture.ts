import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { captureOnCluster } from './cluster-capture.js';
import { notAvailable } from './not-available.js';

export const tcpdumpCaptureTool = defineTool({
  name: 'tcpdump_capture',
  title: 'Capture packets on a node or pod',
  description:
    "Starts a bounded packet capture (BPF filter, duration, packet and size caps) in a node's or a pod's network namespace. " +
    'Use it when logs point at the network (DNS timeouts, resets, MTU) and you need the packets; analyse with tcpdump_analyze.',
  inputSchema: {
    node: z.string().min(1).max(253).describe('node name, EC2 instance id, or "local" for this host'),
    pod: z.object({ namespace: z.string().max(63), name: z.string().max(253) }).optional().describe("capture in this pod's network namespace (default: the host's)"),
    interface: z.string().max(15).optional().describe('interface (default any)'),
    filter: z.string().max(1024).optional().describe('BPF filter, validated by compiling it (e.g. "udp port 53")'),
    duration_seconds: z.number().int().min(1).max(3600).optional().describe('capture length, seconds (default 60, at most 3600)'),
    max_packets: z.number().int().min(1).max(10_000_000).optional().describe('stop after this many packets'),
  },
  outputSchema: { captureId: z.string(), phase: z.string() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async (a, deps) => {
    // local mode: the capture runs on this host in the background; tcpdump_analyze answers once it ends
    if (a.node === 'local' && deps.localCapture) {
      const r = await deps.localCapture({ pod: a.pod, iface: a.interface, filter: a.filter, durationSeconds: a.duration_seconds ?? 60, maxPackets: a.max_packets });
      deps.log.info({ node: a.node, captureId: r.captureId, endsBy: r.endsBy }, 'Started capture');
      return { captureId: r.captureId, phase: 'Capturing' };
    }
    // in a cluster: a PacketCapture resource, which the operator runs through the node's agent or a job
    if (a.node !== 'local' && deps.cluster) return captureOnCluster(a, deps.cluster, deps);
    if (a.node === 'local') return notAvailable('capturing on this host', 'this server was not started in local mode', 'run `eks-node-log-mcp capture` on the host, then call tcpdump_analyze');
    return notAvailable(`capturing on node ${a.node}`, 'captures on other nodes need the in-cluster server (operator and node agent); this local server captures only node "local"', 'run `eks-node-log-mcp capture` on that node, then `eks-node-log-mcp import-capture <file> --node <name>` here and call tcpdump_analyze');
  },
});
