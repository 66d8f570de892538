import { dataPath } from '../util/data-path.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { WARM_SETTINGS } from './ipamd-log.js';

const pct = z.number().min(0).max(100);

export const ThresholdsSchema = z.object({
  disk: z.object({ warning_pct: pct, critical_pct: pct, ignore_filesystems: z.array(z.string()) }),
  inodes: z.object({ warning_pct: pct, critical_pct: pct }),
  conntrack: z.object({ near_max_ratio: z.number().gt(0).max(1) }),
  ipamd: z.object({ free_ips_critical: z.number().int().min(0) }),
  ipamd_warm: z.object({
    prefix_ips: z.number().int().min(1),
    short_tolerance_ips: z.number().int().min(0),
    prefix_mode_needs_one_of: z.array(z.enum(WARM_SETTINGS)).min(1),
  }),
  dns: z.object({ max_search_domains: z.number().int().min(1), ndots_note_at: z.number().int().min(1) }),
  iptables: z.object({ critical_ports: z.array(z.number().int().min(1).max(65535)), ignore_comment_pattern: z.string() }),
  readonly_mounts: z.object({ types: z.array(z.string()), ignore_source_pattern: z.string(), ignore_mount_prefixes: z.array(z.string()) }),
  processes: z.object({
    zombie_warning: z.number().int().min(1),
    d_state_warning: z.number().int().min(1),
    rss_warning_mib: z.object({ kubelet: z.number().positive(), containerd: z.number().positive(), 'aws-k8s-agent': z.number().positive() }),
  }),
});

export type Thresholds = z.infer<typeof ThresholdsSchema>;

let cached: Thresholds | undefined;

/** Loads thresholds.yaml (data beside the sources, see dataPath) once. */
export function loadThresholds(): Thresholds {
  cached ??= ThresholdsSchema.parse(parse(readFileSync(dataPath('node-state/thresholds.yaml'), 'utf8')));
  return cached;
}
