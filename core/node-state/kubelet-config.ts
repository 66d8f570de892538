import { collectText, intOf, isRecord, lineOf, type Lines, tryJson } from './lines.js';

export interface KubeletConfig {
  maxPods: number | null;
  clusterDNS: string[];
  /** evictionHard signal -> threshold as written ("10%", "100Mi") */
  evictionHard: Map<string, { value: string; line: number }>;
  error?: string;
}

/** Parses kubelet/config.json (KubeletConfiguration). */
export async function parseKubeletConfig(lines: Lines): Promise<KubeletConfig> {
  const { text, lines: all } = await collectText(lines);
  const res: KubeletConfig = { maxPods: null, clusterDNS: [], evictionHard: new Map() };
  const j = tryJson(text);
  if (!j.ok) return { ...res, error: j.error };
  if (!isRecord(j.value)) return { ...res, error: 'not a JSON object' };
  const v = j.value;
  res.maxPods = intOf(v.maxPods);
  if (Array.isArray(v.clusterDNS)) res.clusterDNS = v.clusterDNS.filter((x): x is string => typeof x === 'string');
  if (isRecord(v.evictionHard)) {
    for (const [k, t] of Object.entries(v.evictionHard)) if (typeof t === 'string') res.evictionHard.set(k, { value: t, line: lineOf(all, `"${k}"`) });
  }
  return res;
}
