import * as k8s from '@kubernetes/client-node';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { BundleStore } from '../core/store/bundle-store.js';
import type { CompiledCatalog } from '../core/rules/compiled-catalog.js';
import { createS3Client } from '../core/store/s3-store.js';
import { SdkSsmAutomation } from './backends/ssm-automation.js';
import { DEFAULT_CAPTURE_PREFIX, SdkSsmCapture } from './backends/ssm-capture.js';
import { SsmCaptureIngest } from './backends/ssm-capture-ingest.js';
import { SsmBundleIngest } from './backends/ssm-ingest.js';
import { ClusterCache } from './cluster-cache.js';
import { ClusterClient } from './cluster-client.js';
import { Controller } from './controller.js';
import { startHealthServer } from './health-server.js';
import { LeaderElector } from './leader-election.js';
import { createOperatorMetrics } from './metrics.js';
import { NlcReconciler } from './nlc/reconcile-nlc.js';
import { PcapReconciler } from './pcap/reconcile-pcap.js';
import { TokenBucket } from './rate-limiter.js';
import { NLC_PLURAL, type NodeLogCollection, type PacketCapture, PCAP_PLURAL } from './resources.js';

export interface OperatorOptions {
  kc: k8s.KubeConfig;
  log: Logger;
  namespace: string;
  image: string;
  hubUrl: string;
  hubAudience: string;
  collectorServiceAccount: string;
  agentSelector: string;
  leaderElect: boolean;
  identity?: string;
  healthHost: string;
  healthPort: number;
  metricsPort: number;
  qps: number;
  burst: number;
  concurrency: number;
  collectTimeoutSeconds: number;
  nodeGoneGraceSeconds: number;
  pollSeconds: number;
  /** SSM collection, when enabled: the destination bucket the runbook writes to */
  ssm?: {
    bucket: string; region: string; assumeRoleArn?: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string };
    /** where nodes upload SSM captures in that bucket (default results/captures-ssm/: below the node roles' results/ grant) */
    capturePrefix?: string;
  };
  store: BundleStore;
  storeUri: string;
  catalog: CompiledCatalog;
}

/** The operator process: health/metrics, leader election, then the two controllers. */
export async function runOperator(o: OperatorOptions): Promise<{ stop: () => Promise<void>; healthPort: number; metricsPort: number; metrics: ReturnType<typeof createOperatorMetrics> }> {
  const metrics = createOperatorMetrics();
  const cache = new ClusterCache(o.kc, o.namespace, o.agentSelector, o.log);
  const client = new ClusterClient(o.kc, new TokenBucket(o.qps, o.burst), metrics, cache);
  const s3 = o.ssm ? createS3Client({ region: o.ssm.region, endpoint: o.ssm.endpoint, credentials: o.ssm.credentials }) : undefined;
  const capturePrefix = o.ssm?.capturePrefix ?? DEFAULT_CAPTURE_PREFIX;
  const ssmCapture = o.ssm && s3
    ? {
        capture: new SdkSsmCapture({ destination: { bucket: o.ssm.bucket, region: o.ssm.region, prefix: capturePrefix }, endpoint: o.ssm.endpoint, credentials: o.ssm.credentials }, () => metrics.ssmExecutions.inc({ api: 'SendCommand' })),
        ingest: new SsmCaptureIngest({ s3, bucket: o.ssm.bucket, prefix: capturePrefix, store: o.store }),
        uriBase: o.storeUri,
      }
    : undefined;
  const ssm = o.ssm && s3
    ? {
        automation: new SdkSsmAutomation(o.ssm, () => metrics.ssmExecutions.inc({ api: 'StartAutomationExecution' })),
        ingest: new SsmBundleIngest({ s3, bucket: o.ssm.bucket, store: o.store, catalog: o.catalog }),
        uriBase: o.storeUri,
        region: o.ssm.region,
      }
    : undefined;
  const common = { client, log: o.log, metrics, agentNamespace: o.namespace, agentSelector: o.agentSelector, job: { image: o.image, hubUrl: o.hubUrl, serviceAccountName: o.collectorServiceAccount, hubAudience: o.hubAudience }, collectTimeoutSeconds: o.collectTimeoutSeconds, nodeGoneGraceSeconds: o.nodeGoneGraceSeconds, pollSeconds: o.pollSeconds };
  const nlc = new Controller<NodeLogCollection>(o.kc, NLC_PLURAL, new NlcReconciler({ ...common, ssm }), { concurrency: o.concurrency, log: o.log, metrics, freshest: (p, x) => client.freshest(p, x) });
  const pcap = new Controller<PacketCapture>(o.kc, PCAP_PLURAL, new PcapReconciler({ ...common, ssm: ssmCapture }), { concurrency: o.concurrency, log: o.log, metrics, freshest: (p, x) => client.freshest(p, x) });

  let started = false;
  // a standby replica waiting for the lease is ready (it serves probes); the leader once its caches synced
  const sharedPort = o.metricsPort === o.healthPort && o.healthPort !== 0;
  const health = await startHealthServer({ host: o.healthHost, port: o.healthPort, registry: sharedPort ? metrics.registry : undefined, ready: () => (started ? nlc.hasSynced && pcap.hasSynced : true) });
  const metricsServer = sharedPort ? undefined : await startHealthServer({ host: o.healthHost, port: o.metricsPort, registry: metrics.registry, ready: () => true });

  let elector: LeaderElector | undefined;
  const stop = async () => {
    await Promise.all([nlc.stop(), pcap.stop(), cache.stop()]);
    await elector?.release();
    metrics.isLeader.set(0);
    await health.close();
    await metricsServer?.close();
  };
  if (o.leaderElect) {
    elector = new LeaderElector(o.kc.makeApiClient(k8s.CoordinationV1Api), { namespace: o.namespace, name: 'eks-node-log-mcp-operator', identity: o.identity ?? `${hostname()}-${process.pid}`, leaseDurationSeconds: 15, renewEverySeconds: 5 }, o.log);
    const led = await elector.run(() => {
      o.log.error('Leadership lost: exiting so a standby takes over');
      void stop().finally(() => process.exit(1));
    });
    // only stop() ends the wait without the lease, and nothing can call it before this returns
    if (!led) throw new Error('leader election stopped before this replica led');
  }
  metrics.isLeader.set(1);
  await cache.start();
  await nlc.start();
  await pcap.start();
  started = true;
  o.log.info({ namespace: o.namespace, ssm: Boolean(o.ssm) }, 'Operator running');
  return { stop, healthPort: health.port, metricsPort: metricsServer?.port ?? health.port, metrics };
}
