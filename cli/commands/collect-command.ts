import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { ToolDeps } from '../../mcp-server/tool-definition.js';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import type { BundleStore } from '../../core/store/bundle-store.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { collectLocal, type LocalCollectResult } from '../../collector/local-collect.js';
import { CategoryInput } from '../../collector/sources.js';
import { parseSince } from '../../collector/window.js';

export interface CollectCommandOptions {
  categories?: string;
  since: string;
  store: string;
  json?: boolean;
  hostRoot: string;
}

/** `collect`: this host into the local store (issue 5 item 5), then a summary of what came and what did not. */
export async function runCollectCommand(o: CollectCommandOptions, log: Logger): Promise<number> {
  const sinceMs = parseSince(o.since);
  if (sinceMs === undefined) {
    process.stderr.write(`error: --since ${JSON.stringify(o.since)} is not a duration like 30m, 2h or 1d (at most 30d)\n`);
    return 2;
  }
  const categories = (o.categories ?? 'All').split(',').map((c) => c.trim()).filter(Boolean);
  const bad = categories.filter((c) => !CategoryInput.safeParse(c).success);
  if (bad.length) {
    process.stderr.write(`error: unknown categor${bad.length > 1 ? 'ies' : 'y'} ${bad.join(', ')}: use ${CategoryInput.options.join(', ')}\n`);
    return 2;
  }
  const store = new FsBundleStore(resolve(o.store));
  const r = await collectLocal({ store, catalog: CompiledCatalog.load(), log, categories, sinceMs, hostRoot: resolve(o.hostRoot) });
  if (o.json) process.stdout.write(`${JSON.stringify({ ...r, store: store.root }, null, 2)}\n`);
  else process.stdout.write(`${summaryText(r)}\n`);
  if (!r.privileged) {
    const denied = r.permissionDenied.length ? ` (refused here: ${r.permissionDenied.join(', ')})` : '';
    process.stderr.write(`warning: not running as root: sources that need root (journals, iptables, conntrack, kubelet files) are recorded as failed${denied}; run as root for a complete bundle\n`);
  }
  if (r.stoppedEarly) process.stderr.write(`warning: collection stopped early: ${r.stoppedEarly.detail}\n`);
  process.stderr.write(`stored as ${r.node}/${r.bundleId} in ${store.root}\n`);
  return 0;
}

function summaryText(r: LocalCollectResult): string {
  const s = r.sources;
  const lines = [
    `collected ${r.node} (${r.platform}) into bundle ${r.bundleId}: ${r.files} files, ${(r.archiveBytes / 1024 ** 2).toFixed(1)} MiB compressed`,
    `sources: ${s.ok} ok, ${s.missing} missing, ${s.failed} failed, ${s.timeout} timed out, ${s.truncated} truncated, ${s.skipped} skipped; ${r.redactions} secrets redacted`,
    `findings: ${r.findings.critical} critical, ${r.findings.high} high, ${r.findings.warning} warning, ${r.findings.info} info`,
  ];
  const notOk = r.notCollected.filter((n) => n.status !== 'missing');
  if (notOk.length) lines.push('not collected:', ...notOk.map((n) => `  ${n.source}: ${n.status}: ${n.reason}`));
  const missing = r.notCollected.filter((n) => n.status === 'missing');
  if (missing.length) lines.push(`absent on this host: ${missing.map((n) => n.source).join(', ')}`);
  return lines.join('\n');
}

/** The MCP `collect` tool's node `local` (serve in local mode): this host, the whole root, into the served store. */
export function localCollectorDep(store: BundleStore, catalog: CompiledCatalog, log: Logger): NonNullable<ToolDeps['localCollector']> {
  return async (req) => {
    const r = await collectLocal({ store, catalog, log, categories: req.categories, sinceMs: req.sinceMs, hostRoot: '/' });
    return { node: r.node, bundleId: r.bundleId };
  };
}
