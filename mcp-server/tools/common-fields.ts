import { z } from 'zod';
import type { BundleRef } from '../../core/query/bundle-ref.js';

/** Input fields shared by the bundle tools, described once so every tool says the same thing. */
export const nodeField = z.string().min(1).max(253).describe('Kubernetes node name (e.g. ip-10-0-1-23.ec2.internal) or EC2 instance id (i-…)');
export const bundleIdField = z.string().min(1).max(253).optional().describe("bundle id from history; default: the node's newest bundle");

export const windowFields = {
  start_time: z.string().max(64).optional().describe('window start, RFC 3339 UTC (e.g. 2024-03-14T08:30:00Z); give with end_time; at most 24 h'),
  end_time: z.string().max(64).optional().describe('window end, RFC 3339 UTC; give with start_time'),
  incident_time: z.string().max(64).optional().describe('RFC 3339 UTC time of the incident: the window is ± window_minutes around it'),
  window_minutes: z.number().int().min(1).max(720).optional().describe('half-width of the window around incident_time, minutes (default 5)'),
};

export const windowOutput = {
  window_start_utc: z.string().describe('start of the window applied'),
  window_end_utc: z.string().describe('end of the window applied'),
  resolution_reason: z.string().describe('explicit | incident_time | default (the 24 h before collection)'),
  excluded_by_window: z.number().int().describe('items left out because they fall outside the window'),
};

export const bundleOutput = z.object({
  node: z.string(),
  bundleId: z.string(),
  instanceId: z.string().nullable(),
  collectedAt: z.string(),
  status: z.string().describe('complete, or partial when the archive was cut short'),
}).describe('the bundle the answer comes from');

export const bundleInfo = (ref: BundleRef) => ({
  node: ref.node,
  bundleId: ref.bundleId,
  instanceId: ref.manifest.instanceId,
  collectedAt: ref.manifest.collectedAt,
  status: ref.manifest.status,
});
