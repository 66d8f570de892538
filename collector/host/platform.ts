import { readFile } from 'node:fs/promises';
import type { Platform } from '../sources.js';
import { resolveHostPath } from './host-root.js';

/** The host OS family, from HOST_ROOT/etc/os-release (AL2023, AL2 and Bottlerocket differ in paths and units). */
export async function detectPlatform(hostRoot: string): Promise<{ platform: Platform; prettyName: string | null }> {
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    const text = await resolveHostPath(hostRoot, p).then((r) => readFile(r, 'utf8')).catch(() => undefined);
    if (text === undefined) continue;
    return { platform: classify(text), prettyName: field(text, 'PRETTY_NAME') };
  }
  return { platform: 'other', prettyName: null };
}

export function classify(osRelease: string): Platform {
  const id = field(osRelease, 'ID');
  const version = field(osRelease, 'VERSION_ID');
  if (id === 'bottlerocket') return 'bottlerocket';
  if (id === 'amzn' && version?.startsWith('2023')) return 'al2023';
  if (id === 'amzn' && version === '2') return 'al2';
  return 'other';
}

function field(text: string, name: string): string | null {
  const m = new RegExp(`^${name}=(.*)$`, 'm').exec(text);
  return m ? m[1]!.trim().replace(/^["']|["']$/g, '') : null;
}
