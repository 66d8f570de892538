import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { collectText, intOf, isRecord, lineOf, type Lines, tryJson } from './lines.js';

export interface KubeletConfig {
  maxPods: number | null;
  clusterDNS: string[];
  /** evictionHard signal -> threshold as written ("10%", "100Mi") */
  evictionHard: Map<string, { value: string; line: number }>;
  /** which syntax the file held, when it parsed */
  format?: 'json' | 'yaml';
  error?: string;
}

/**
 * A KubeletConfiguration is a few KiB; past this the file is not one, and YAML parsing of a hostile
 * multi-MB file costs seconds. The check then says "not checked" with this reason, never "absent".
 */
export const KUBELET_YAML_MAX_BYTES = 1 << 20;
/** Alias expansion bound (a "billion laughs" document); kubelet configs use none. */
const MAX_ALIASES = 20;

/**
 * Parses the kubelet config the collector stores as kubelet/config.json. Despite the name it may be
 * YAML: the collector copies the first of config.json, kubelet-config.json, config (Bottlerocket) and
 * config.yaml to that one path, and kubelet reads either syntax. JSON is tried first (exact errors,
 * and JSON is also YAML), then YAML.
 */
export async function parseKubeletConfig(lines: Lines): Promise<KubeletConfig> {
  const { text, lines: all } = await collectText(lines);
  const res: KubeletConfig = { maxPods: null, clusterDNS: [], evictionHard: new Map() };
  const j = tryJson(text);
  if (j.ok) {
    if (!isRecord(j.value)) return { ...res, error: 'not a JSON object' };
    fill(res, j.value, (k) => lineOf(all, `"${k}"`));
    return { ...res, format: 'json' };
  }
  // a file that starts as JSON and does not parse is broken JSON, not YAML: keep JSON's error
  if (text.trimStart().startsWith('{')) return { ...res, error: j.error };
  if (Buffer.byteLength(text) > KUBELET_YAML_MAX_BYTES) return { ...res, error: `not JSON, and larger than ${KUBELET_YAML_MAX_BYTES} bytes to read as YAML` };
  return parseYaml(text, res);
}

function parseYaml(text: string, res: KubeletConfig): KubeletConfig {
  const counter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: false });
  } catch (err) {
    return { ...res, error: `YAML: ${(err as Error).message.slice(0, 200)}` };
  }
  if (doc.errors.length) return { ...res, error: `YAML: ${doc.errors[0]!.message.slice(0, 200)}` };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    return { ...res, error: `YAML: ${(err as Error).message.slice(0, 200)}` };
  }
  if (!isRecord(value)) return { ...res, error: 'not a YAML mapping' };
  // evidence lines come from the parsed nodes, so a quoted or flow-style key still points at its line
  const eviction = doc.get('evictionHard', true);
  const keyLines = new Map<string, number>();
  if (isMap(eviction)) {
    for (const p of eviction.items) {
      if (isScalar(p.key) && p.key.range) keyLines.set(String(p.key.value), counter.linePos(p.key.range[0]).line);
    }
  }
  fill(res, value, (k) => keyLines.get(k) ?? 1);
  return { ...res, format: 'yaml' };
}

function fill(res: KubeletConfig, v: Record<string, unknown>, lineOfSignal: (k: string) => number): void {
  res.maxPods = intOf(v.maxPods);
  if (Array.isArray(v.clusterDNS)) res.clusterDNS = v.clusterDNS.filter((x): x is string => typeof x === 'string');
  if (isRecord(v.evictionHard)) {
    for (const [k, t] of Object.entries(v.evictionHard)) if (typeof t === 'string') res.evictionHard.set(k, { value: t, line: lineOfSignal(k) });
  }
}
