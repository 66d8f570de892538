import { type Change, diffLines } from 'diff';

/**
 * The configuration files eks-log-collector.sh bundles really contain (the seed's compare read
 * files no bundle has). `cni/*.conflist` is matched by pattern: the file name depends on the CNI.
 */
export const CONFIG_FILES: readonly string[] = [
  'kubelet/kubelet-config.json',
  'kubelet/config.json',
  'containerd/containerd-config.txt',
  'sysctls/sysctl_all.txt',
  'ipamd/ipamd-env-settings.json',
  'ipamd/networkutils-env-settings.json',
];
export const CONFIG_PATTERNS: readonly RegExp[] = [/^cni\/[^/]+\.conflist$/];

export const MAX_DIFF_LINES = 200;
const CONTEXT = 3;
/** jsdiff is O(N·D): a wholly different multi-megabyte file would stall the server, so give up after this */
const DIFF_TIMEOUT_MS = 2_000;

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/**
 * JSON configs are re-printed with sorted keys, one value per line: a minified and a pretty file,
 * or the same keys in another order, are the same configuration and must not show as a diff, and
 * a one-line minified file would otherwise diff as a single changed line.
 */
export function normalizeConfig(path: string, text: string): string {
  if (/\.(json|conflist)$/.test(path)) {
    try {
      return `${JSON.stringify(sortKeys(JSON.parse(text)), null, 2)}\n`;
    } catch {
      /* not valid JSON: compare the text as it is */
    }
  }
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

export interface LineDiff {
  added: number;
  removed: number;
  /** unified-diff hunks (`@@ -a,b +c,d @@`, then ` `/`-`/`+` lines), at most MAX_DIFF_LINES lines */
  hunks: string[];
  truncated: boolean;
  /** set when the files were too different to diff within the time budget */
  gaveUp?: boolean;
}

const splitLines = (v: string) => (v.endsWith('\n') ? v.slice(0, -1) : v).split('\n');

/** Line diff (jsdiff `diffLines`) of two texts, rendered as unified hunks with 3 lines of context. */
export function unifiedDiff(oldText: string, newText: string): LineDiff {
  const changes: Change[] | undefined = diffLines(oldText, newText, { timeout: DIFF_TIMEOUT_MS });
  if (!changes) return { added: 0, removed: 0, hunks: [], truncated: true, gaveUp: true };
  const rows: { op: ' ' | '-' | '+'; text: string; o: number; n: number }[] = [];
  let o = 1;
  let n = 1;
  let added = 0;
  let removed = 0;
  for (const c of changes) {
    const op = c.added ? '+' : c.removed ? '-' : ' ';
    for (const text of splitLines(c.value)) {
      rows.push({ op, text, o, n });
      if (op !== '+') o++;
      if (op !== '-') n++;
      if (op === '+') added++;
      if (op === '-') removed++;
    }
  }
  // groups of changed rows with their context, merged where the contexts touch
  const groups: [number, number][] = [];
  rows.forEach((r, i) => {
    if (r.op === ' ') return;
    const start = Math.max(0, i - CONTEXT);
    const end = Math.min(rows.length - 1, i + CONTEXT);
    const last = groups.at(-1);
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else groups.push([start, end]);
  });
  const out: string[] = [];
  let truncated = false;
  for (const [s, e] of groups) {
    const slice = rows.slice(s, e + 1);
    const oldCount = slice.filter((r) => r.op !== '+').length;
    const newCount = slice.filter((r) => r.op !== '-').length;
    const oldStart = oldCount === 0 ? rows[s]!.o - 1 : rows[s]!.o;
    const newStart = newCount === 0 ? rows[s]!.n - 1 : rows[s]!.n;
    const lines = [`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`, ...slice.map((r) => `${r.op}${r.text.slice(0, 500)}`)];
    for (const l of lines) {
      if (out.length >= MAX_DIFF_LINES) {
        truncated = true;
        break;
      }
      out.push(l);
    }
    if (truncated) break;
  }
  return { added, removed, hunks: out, truncated };
}
