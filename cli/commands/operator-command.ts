import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { loadKubeConfig } from '../../mcp-server/kube/kube-client.js';
import { runOperator } from '../../operator/run-operator.js';
import { openStore } from '../store-uri.js';

export interface OperatorCommandOptions {
  kubeconfig?: string;
  namespace: string;
  image: string;
  hubUrl: string;
  hubAudience: string;
  collectorSa: string;
  agentSelector: string;
  leaderElect?: boolean;
  healthPort: number;
  metricsPort: number;
  qps: number;
  burst: number;
  concurrency: number;
  collectTimeout: number;
  nodeGoneGrace: number;
  poll: number;
  store: string;
  region?: string;
  kmsKeyId?: string;
  ssmBucket?: string;
  ssmRoleArn?: string;
  awsEndpoint?: string;
}

/** `operator`: reconciles NodeLogCollection and PacketCapture until SIGTERM. */
export async function runOperatorCommand(o: OperatorCommandOptions, log: Logger): Promise<void> {
  const kc = loadKubeConfig(o.kubeconfig ? { kind: 'kubeconfig', path: o.kubeconfig } : { kind: 'in-cluster' });
  const { store, uri } = openStore(o.store, { region: o.region, endpoint: o.awsEndpoint, kmsKeyId: o.kmsKeyId });
  if (o.ssmBucket && !o.region) throw new Error('--ssm-bucket needs a region (--region or AWS_REGION)');
  const op = await runOperator({
    kc, log, namespace: o.namespace, image: o.image, hubUrl: o.hubUrl, hubAudience: o.hubAudience,
    collectorServiceAccount: o.collectorSa, agentSelector: o.agentSelector, leaderElect: Boolean(o.leaderElect),
    identity: `${hostname()}-${process.pid}`, healthHost: '0.0.0.0', healthPort: o.healthPort, metricsPort: o.metricsPort,
    qps: o.qps, burst: o.burst, concurrency: o.concurrency, collectTimeoutSeconds: o.collectTimeout,
    nodeGoneGraceSeconds: o.nodeGoneGrace, pollSeconds: o.poll,
    ssm: o.ssmBucket ? { bucket: o.ssmBucket, region: o.region!, assumeRoleArn: o.ssmRoleArn, endpoint: o.awsEndpoint } : undefined,
    store, storeUri: uri, catalog: CompiledCatalog.load(),
  });
  process.stderr.write(`operator: health on :${op.healthPort}, metrics on :${op.metricsPort}\n`);
  const stop = () => void op.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
