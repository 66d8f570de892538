import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { startHttp } from '../../mcp-server/http.js';
import { startStdio } from '../../mcp-server/stdio.js';
import type { ToolDeps } from '../../mcp-server/tool-definition.js';

export interface ServeOptions {
  store: string;
  stdio?: boolean;
  host: string;
  port: number;
  sopsDir: string;
  /** test only (hidden flag): serve the MCP conformance suite's fixtures too, over HTTP */
  conformanceFixtures?: boolean;
}

/** `serve`: the MCP server over the filesystem store, on loopback HTTP (default) or stdio. */
export async function runServe(o: ServeOptions, log: Logger): Promise<void> {
  const deps: ToolDeps = {
    store: new FsBundleStore(resolve(o.store)),
    catalog: CompiledCatalog.load(),
    now: Date.now,
    log,
    sopsDir: resolve(o.sopsDir),
  };
  if (o.stdio) {
    if (o.conformanceFixtures) throw new Error('--conformance-fixtures is for the HTTP server only (the conformance suite speaks HTTP)');
    await startStdio(deps);
    log.info({ store: o.store }, 'Serving MCP on stdio');
    return;
  }
  const http = await startHttp(deps, { host: o.host, port: o.port, conformanceFixtures: o.conformanceFixtures });
  log.info({ url: http.url, store: o.store }, 'Serving MCP over HTTP');
  process.stderr.write(`MCP endpoint: ${http.url} (store ${resolve(o.store)})\n`);
  const stop = () => {
    log.info('Shutting down');
    void http.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
