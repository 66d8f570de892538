import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

const pct = z.number().min(0).max(100);

export const ThresholdsSchema = z.object({
  disk: z.object({ warning_pct: pct, critical_pct: pct, ignore_filesystems: z.array(z.string()) }),
  inodes: z.object({ warning_pct: pct, critical_pct: pct }),
  conntrack: z.object({ near_max_ratio: z.number().gt(0).max(1) }),
  dns: z.object({ max_search_domains: z.number().int().min(1), ndots_note_at: z.number().int().min(1) }),
  iptables: z.object({ critical_ports: z.array(z.number().int().min(1).max(65535)), ignore_comment_pattern: z.string() }),
  readonly_mounts: z.object({ types: z.array(z.string()), ignore_source_pattern: z.string(), ignore_mount_prefixes: z.array(z.string()) }),
});

export type Thresholds = z.infer<typeof ThresholdsSchema>;

let cached: Thresholds | undefined;

/** Loads thresholds.yaml from beside the sources (also when running from dist/, which tsc does not copy it to). */
export function loadThresholds(): Thresholds {
  if (cached) return cached;
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'thresholds.yaml'), join(here, '..', '..', '..', 'core', 'node-state', 'thresholds.yaml')];
  for (const c of candidates) {
    let text: string;
    try {
      text = readFileSync(c, 'utf8');
    } catch {
      continue;
    }
    cached = ThresholdsSchema.parse(parse(text));
    return cached;
  }
  throw new Error(`node-state thresholds not found (looked in ${candidates.join(', ')})`);
}
