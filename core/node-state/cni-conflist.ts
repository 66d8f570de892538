import { collectText, intOf, isRecord, lineOf, type Lines, tryJson } from './lines.js';

export interface CniConflist {
  name: string | null;
  plugins: string[];
  /** MTU of the aws-cni plugin (or of the first plugin that sets one) */
  mtu: number | null;
  mtuLine: number;
  error?: string;
}

/** Parses a CNI .conflist (cni/10-aws.conflist): plugin types and the MTU pods get. */
export async function parseConflist(lines: Lines): Promise<CniConflist> {
  const { text, lines: all } = await collectText(lines);
  const res: CniConflist = { name: null, plugins: [], mtu: null, mtuLine: lineOf(all, '"mtu"') };
  const j = tryJson(text);
  if (!j.ok) return { ...res, error: j.error };
  if (!isRecord(j.value)) return { ...res, error: 'not a JSON object' };
  res.name = typeof j.value.name === 'string' ? j.value.name : null;
  const plugins = Array.isArray(j.value.plugins) ? j.value.plugins.filter(isRecord) : [];
  res.plugins = plugins.map((p) => (typeof p.type === 'string' ? p.type : '?'));
  const withMtu = plugins.find((p) => p.type === 'aws-cni' && intOf(p.mtu) !== null) ?? plugins.find((p) => intOf(p.mtu) !== null);
  res.mtu = withMtu ? intOf(withMtu.mtu) : null;
  return res;
}
