import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a data file that ships beside the sources lives (rules, thresholds, chains are YAML data):
 * next to the calling module when running the TypeScript sources, and under core/ of the package
 * when running from dist/ (tsc copies no YAML). `rel` is relative to core/, e.g. 'pcap/thresholds.yaml'.
 */
export function dataPath(rel: string): string {
  const core = join(dirname(fileURLToPath(import.meta.url)), '..');
  const candidates = [join(core, rel), join(core, '..', '..', 'core', rel)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`data file ${rel} not found (looked in ${candidates.join(', ')})`);
  return found;
}
