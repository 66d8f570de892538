import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { OidcAuthenticator, type OidcOptions } from '../../mcp-server/auth/oidc-token.js';
import { AccessReviewer } from '../../mcp-server/auth/subject-access.js';
import { KubeCluster } from '../../mcp-server/cluster/kube-cluster.js';
import { SsmPing, type SsmPingOptions } from '../../mcp-server/cluster/ssm-ping.js';
import { TokenAuthenticator } from '../../mcp-server/auth/token-review.js';
import { startHttp } from '../../mcp-server/http.js';
import { CollectorAuth, HUB_AUDIENCE } from '../../mcp-server/ingest/collector-auth.js';
import { CustomResources } from '../../mcp-server/ingest/custom-resources.js';
import { DEFAULT_MAX_BUNDLE_BYTES, DEFAULT_MAX_CHUNK_BYTES, startIngestServer } from '../../mcp-server/ingest/ingest-server.js';
import { kubeClients, loadKubeConfig, podNamespaceFromMount } from '../../mcp-server/kube/kube-client.js';
import type { ToolDeps } from '../../mcp-server/tool-definition.js';
import { openStore } from '../store-uri.js';

export interface InClusterServeOptions {
  store: string;
  host: string;
  port: number;
  sopsDir: string;
  /** credentials from this kubeconfig instead of the pod's service account (dev, tests) */
  kubeconfig?: string;
  ingestPort: number;
  /** where the custom resources live; default the pod's namespace */
  namespace?: string;
  /** `ns:name` of the service accounts allowed to upload (the agent's, the one-shot job's) */
  collectorSa: string[];
  /** audiences MCP bearer tokens must carry; empty: the API server's own */
  audience: string[];
  /** also accept JWTs of this OIDC issuer on /mcp (an AgentCore gateway's Cognito); off when undefined */
  oidc?: Omit<OidcOptions, 'log'>;
  region?: string;
  kmsKeyId?: string;
  maxBundleBytes?: number;
  /**
   * cluster_health's SSM ping (`--ssm-ping`): each node is asked about in its own region (from its
   * providerID), with the SDK's default credentials (the pod's IRSA / Pod Identity role)
   */
  ssmPing?: SsmPingOptions;
}

/**
 * `serve --in-cluster`: the MCP endpoint with Kubernetes authentication and authorisation, and the
 * ingest endpoint the collectors upload to, over one store. Resolves with a stop function.
 */
export async function startInCluster(o: InClusterServeOptions, log: Logger): Promise<{ mcpUrl: string; ingestUrl: string; close: () => Promise<void> }> {
  const namespace = o.namespace ?? podNamespaceFromMount();
  if (!namespace) throw new Error('--namespace is required outside a pod (or set POD_NAMESPACE)');
  if (o.collectorSa.length === 0) throw new Error('--collector-sa <namespace:name> is required: the service account(s) the agent and collector jobs upload with');
  const { store, uri } = openStore(o.store, { region: o.region, kmsKeyId: o.kmsKeyId });
  const kc = loadKubeConfig(o.kubeconfig ? { kind: 'kubeconfig', path: o.kubeconfig } : { kind: 'in-cluster' });
  const kube = kubeClients(kc);
  const catalog = CompiledCatalog.load();
  const ssmPing = o.ssmPing ? new SsmPing(o.ssmPing) : undefined;
  const deps: ToolDeps = { store, catalog, now: Date.now, log, sopsDir: resolve(o.sopsDir), cluster: new KubeCluster(kc, namespace, ssmPing) };
  const mcp = await startHttp(deps, {
    host: o.host,
    port: o.port,
    auth: {
      authenticator: new TokenAuthenticator({ authn: kube.authn, audiences: o.audience, log }),
      oidc: o.oidc ? new OidcAuthenticator({ ...o.oidc, log }) : undefined,
      access: new AccessReviewer({ authz: kube.authz }),
      namespace,
    },
  });
  const ingest = await startIngestServer(
    {
      store, catalog, log, now: Date.now, resources: new CustomResources(kube.custom),
      // a filesystem hub's paths mean nothing outside its pod: status names the bundle by store key
      uriBase: uri,
      maxBundleBytes: o.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES,
      maxChunkBytes: DEFAULT_MAX_CHUNK_BYTES,
      inFlight: new Set(),
    },
    new CollectorAuth(new TokenAuthenticator({ authn: kube.authn, audiences: [HUB_AUDIENCE], log }), o.collectorSa, log),
    { host: o.host, port: o.ingestPort },
  ).catch(async (err: unknown) => {
    await mcp.close();
    ssmPing?.close();
    throw err;
  });
  log.info({ mcp: mcp.url, ingest: ingest.url, namespace, store: uri, ssmPing: Boolean(ssmPing), oidcIssuer: o.oidc?.issuer }, 'Serving MCP and ingest in cluster mode');
  return {
    mcpUrl: mcp.url,
    ingestUrl: ingest.url,
    close: async () => {
      await Promise.all([mcp.close(), ingest.close()]);
      ssmPing?.close();
    },
  };
}
