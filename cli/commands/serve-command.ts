import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { startHttp } from '../../mcp-server/http.js';
import { startStdio } from '../../mcp-server/stdio.js';
import type { ToolDeps } from '../../mcp-server/tool-definition.js';
import { localCaptureDep } from './capture-command.js';
import { localCollectorDep } from './collect-command.js';
import { type InClusterServeOptions, startInCluster } from './serve-in-cluster.js';

export interface ServeOptions {
  store: string;
  stdio?: boolean;
  host: string;
  port: number;
  sopsDir: string;
  /** test only (hidden flag): serve the MCP conformance suite's fixtures too, over HTTP */
  conformanceFixtures?: boolean;
  /** HTTP session mode (mcp-server/http-sessions.ts): local use; the in-cluster Deployment stays stateless */
  sessions?: boolean;
  /** cluster mode (serve-in-cluster.ts): Kubernetes auth on /mcp plus the ingest endpoint */
  inCluster?: Omit<InClusterServeOptions, 'store' | 'host' | 'port' | 'sopsDir'>;
}

/** `serve`: the MCP server over the filesystem store, on loopback HTTP (default) or stdio. */
export async function runServe(o: ServeOptions, log: Logger): Promise<void> {
  if (o.inCluster) {
    if (o.stdio || o.conformanceFixtures) throw new Error('--in-cluster serves HTTP only (no --stdio, no --conformance-fixtures)');
    // the chart runs several replicas behind a Service without affinity: a session would not survive that
    if (o.sessions) throw new Error('--sessions is for the local server: --in-cluster is stateless (several replicas, no session affinity)');
    const srv = await startInCluster({ ...o.inCluster, store: o.store, host: o.host, port: o.port, sopsDir: o.sopsDir }, log);
    process.stderr.write(`MCP endpoint: ${srv.mcpUrl}, ingest endpoint: ${srv.ingestUrl}\n`);
    const stopCluster = () => {
      log.info('Shutting down');
      void srv.close().then(() => process.exit(0));
    };
    process.once('SIGTERM', stopCluster);
    process.once('SIGINT', stopCluster);
    return;
  }
  const deps: ToolDeps = {
    store: new FsBundleStore(resolve(o.store)),
    catalog: CompiledCatalog.load(),
    now: Date.now,
    log,
    sopsDir: resolve(o.sopsDir),
  };
  deps.localCapture = localCaptureDep(deps.store, log);
  deps.localCollector = localCollectorDep(deps.store, deps.catalog, log);
  if (o.stdio) {
    if (o.conformanceFixtures) throw new Error('--conformance-fixtures is for the HTTP server only (the conformance suite speaks HTTP)');
    if (o.sessions) throw new Error('--sessions is an HTTP mode (stdio is one session already)');
    await startStdio(deps);
    log.info({ store: o.store }, 'Serving MCP on stdio');
    return;
  }
  const http = await startHttp(deps, { host: o.host, port: o.port, conformanceFixtures: o.conformanceFixtures, sessions: o.sessions });
  log.info({ url: http.url, store: o.store, sessions: Boolean(o.sessions) }, 'Serving MCP over HTTP');
  process.stderr.write(`MCP endpoint: ${http.url} (store ${resolve(o.store)})\n`);
  const stop = () => {
    log.info('Shutting down');
    void http.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
