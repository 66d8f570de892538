import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { notAvailable } from './not-yet.js';

export const tcpdumpAnalyzeTool = defineTool({
  name: 'tcpdump_analyze',
  title: 'Analyse a packet capture',
  description:
    'Analyses every packet of a capture (DNS rcodes and latency, TCP resets, retransmissions, zero windows, ICMP unreachable and frag-needed, top talkers) into anomalies with P-NNN ids. ' +
    'Use it on a capture from tcpdump_capture; cite the P ids in summarize.',
  inputSchema: {
    node: z.string().min(1).max(253).describe('node name or instance id'),
    captureId: z.string().min(1).max(253).describe('capture id from tcpdump_capture'),
  },
  outputSchema: { captureId: z.string(), packets: z.number().int(), anomalies: z.array(z.object({ id: z.string(), type: z.string(), severity: z.string(), message: z.string() })) },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async () =>
    notAvailable('packet analysis', 'the pcap analyser is not built yet', 'use search on networking/ files and the DNS/connection findings from errors with category networking or dns'),
});
