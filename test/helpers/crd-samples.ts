import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const SAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crds', 'samples');

export interface CrdSample {
  file: string;
  object: { apiVersion: string; kind: string; metadata: { name: string }; spec: unknown };
  /** invalid samples: where the API server reports the error (`spec`, `spec.filter`, …) */
  expectField?: string;
  /** invalid samples: text the error must carry (the CEL rule's message) */
  expectMessage?: string;
}

function header(text: string, key: string): string | undefined {
  return new RegExp(`^# ${key}: (.+)$`, 'm').exec(text)?.[1]?.trim();
}

function load(dir: string): CrdSample[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      return { file: f, object: parse(text), expectField: header(text, 'expect-field'), expectMessage: header(text, 'expect-message') };
    });
}

/** crds/samples/*.yaml: must be admitted. */
export const validSamples = (): CrdSample[] => load(SAMPLES_DIR);
/** crds/samples/invalid/*.yaml: must be rejected at admission; each says why in a `# REJECTED:` line. */
export const invalidSamples = (): CrdSample[] => load(join(SAMPLES_DIR, 'invalid'));
