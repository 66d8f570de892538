import type { Finding } from '../findings/finding.js';
import { type Severity, severityRank } from '../rules/rule-schema.js';
import type { BundleStore } from '../store/bundle-store.js';
import { signatureOf } from './baseline.js';
import type { BundleRef } from './bundle-ref.js';
import { CONFIG_FILES, CONFIG_PATTERNS, type LineDiff, normalizeConfig, unifiedDiff } from './config-diff.js';
import { findingsCache } from './findings-cache.js';
import { QueryInputError } from './query-error.js';

export const MIN_NODES = 2;
export const MAX_NODES = 10;
const MAX_LIST = 100;
/** config files are small; anything larger is not a config file we should diff line by line */
const MAX_CONFIG_BYTES = 2 * 1024 * 1024;

interface SigInfo { code: string; title: string; severity: Severity }
export interface NodeFindingCount { node: string; finding: string; count: number }

export interface CompareResult {
  nodes: { node: string; bundleId: string; collectedAt: string; findings: number }[];
  /** signatures (code + message template) found on every node */
  common: (SigInfo & { signature: string; counts: NodeFindingCount[] })[];
  /** per node: signatures found on that node only */
  unique: { node: string; findings: (SigInfo & { signature: string; finding: string; count: number; sample: string | null })[]; truncated: boolean }[];
  /** with 3+ nodes: signatures on more than one node but not on all */
  partial: (SigInfo & { signature: string; presentOn: string[]; missingOn: string[] })[];
  commonTruncated: boolean;
  partialTruncated: boolean;
  configs: ConfigComparison[];
}

export interface ConfigComparison {
  file: string;
  presentOn: string[];
  /** nodes whose bundle lacks the file: reported, never skipped */
  missingOn: string[];
  /** the node the others are diffed against: the first node that has the file */
  reference: string | null;
  /** every copy that exists is the same (after JSON normalisation); `missingOn` says who has none */
  identical: boolean;
  diffs: ({ node: string } & LineDiff)[];
  note?: string;
}

const bySeverity = (a: SigInfo & { signature: string }, b: SigInfo & { signature: string }) =>
  severityRank(a.severity) - severityRank(b.severity) || a.code.localeCompare(b.code) || a.signature.localeCompare(b.signature);

/** Labels: the node name, or node/bundleId when one node is compared with itself across bundles. */
function labels(refs: readonly BundleRef[]): string[] {
  const dup = new Set(refs.map((r) => r.node).filter((n, i, all) => all.indexOf(n) !== i));
  return refs.map((r) => (dup.has(r.node) ? `${r.node}/${r.bundleId}` : r.node));
}

/**
 * Compares 2-10 bundles: findings by signature (common to all, unique to one, partial), and the
 * configuration files the bundles hold, line by line against the first node that has each file.
 */
export async function compareNodes(store: BundleStore, refs: readonly BundleRef[]): Promise<CompareResult> {
  const distinct = [...new Map(refs.map((r) => [`${r.node}/${r.bundleId}`, r])).values()];
  if (distinct.length < MIN_NODES) throw new QueryInputError(`compare needs ${MIN_NODES} to ${MAX_NODES} different bundles (got ${distinct.length}): name more nodes, or a node with two bundleIds`);
  if (distinct.length > MAX_NODES) throw new QueryInputError(`compare takes at most ${MAX_NODES} nodes: split the list, or build a baseline for the whole cluster`);
  const names = labels(distinct);
  const indexes = await Promise.all(distinct.map((r) => findingsCache.get(store, r)));

  const sigs = new Map<string, { info: SigInfo; per: Map<string, Finding> }>();
  indexes.forEach((idx, i) => {
    for (const f of idx.findings) {
      const s = signatureOf(f);
      let e = sigs.get(s);
      if (!e) sigs.set(s, (e = { info: { code: f.code, title: f.title, severity: f.severity }, per: new Map() }));
      if (!e.per.has(names[i]!)) e.per.set(names[i]!, f);
    }
  });

  const common: CompareResult['common'] = [];
  const partial: CompareResult['partial'] = [];
  const unique = new Map<string, CompareResult['unique'][number]['findings']>(names.map((n) => [n, []]));
  for (const [signature, { info, per }] of sigs) {
    if (per.size === names.length) {
      common.push({ signature, ...info, counts: names.map((n) => ({ node: n, finding: per.get(n)!.id, count: per.get(n)!.count })) });
    } else if (per.size === 1) {
      const [node, f] = [...per][0]!;
      const s = f.samples[0];
      unique.get(node)!.push({ signature, ...info, finding: f.id, count: f.count, sample: s ? `${s.path}:${s.line}` : null });
    } else {
      partial.push({ signature, ...info, presentOn: names.filter((n) => per.has(n)), missingOn: names.filter((n) => !per.has(n)) });
    }
  }
  common.sort(bySeverity);
  partial.sort(bySeverity);

  return {
    nodes: distinct.map((r, i) => ({ node: names[i]!, bundleId: r.bundleId, collectedAt: r.manifest.collectedAt, findings: indexes[i]!.findings.length })),
    common: common.slice(0, MAX_LIST),
    commonTruncated: common.length > MAX_LIST,
    unique: names.map((n) => {
      const list = unique.get(n)!.sort(bySeverity);
      return { node: n, findings: list.slice(0, MAX_LIST), truncated: list.length > MAX_LIST };
    }),
    partial: partial.slice(0, MAX_LIST),
    partialTruncated: partial.length > MAX_LIST,
    configs: await compareConfigs(store, distinct, names),
  };
}

async function compareConfigs(store: BundleStore, refs: readonly BundleRef[], names: readonly string[]): Promise<ConfigComparison[]> {
  const patterned = new Set<string>();
  for (const r of refs) for (const f of r.manifest.files) if (CONFIG_PATTERNS.some((p) => p.test(f.path))) patterned.add(f.path);
  const files = [...CONFIG_FILES, ...[...patterned].sort()];
  const out: ConfigComparison[] = [];
  for (const file of files) {
    const sizes = refs.map((r) => r.manifest.files.find((f) => f.path === file)?.size);
    const presentIdx = sizes.map((s, i) => (s === undefined ? -1 : i)).filter((i) => i >= 0);
    const cmp: ConfigComparison = {
      file, presentOn: presentIdx.map((i) => names[i]!), missingOn: names.filter((_, i) => sizes[i] === undefined),
      reference: presentIdx.length ? names[presentIdx[0]!]! : null, identical: false, diffs: [],
    };
    out.push(cmp);
    if (presentIdx.length === 0) {
      cmp.note = 'in no bundle';
      continue;
    }
    if (presentIdx.some((i) => sizes[i]! > MAX_CONFIG_BYTES)) {
      cmp.note = `larger than ${MAX_CONFIG_BYTES} bytes on some node: not diffed, read it with the read tool`;
      continue;
    }
    const texts = await Promise.all(presentIdx.map(async (i) => normalizeConfig(file, (await store.getBuffer(refs[i]!.keys.file(file))).toString('utf8'))));
    const ref = texts[0]!;
    for (let k = 1; k < texts.length; k++) {
      if (texts[k] === ref) continue;
      cmp.diffs.push({ node: names[presentIdx[k]!]!, ...unifiedDiff(ref, texts[k]!) });
    }
    cmp.identical = cmp.diffs.length === 0;
    if (cmp.missingOn.length) cmp.note = `missing on ${cmp.missingOn.join(', ')}`;
  }
  return out;
}
