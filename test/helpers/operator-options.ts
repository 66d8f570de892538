import type * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import type { OperatorOptions } from '../../operator/run-operator.js';

/** The operator as the tests run it: fast polling, loose rate limits, ephemeral ports, a filesystem store. */
export function testOperatorOptions(kc: k8s.KubeConfig, namespace: string, storeDir: string, overrides: Partial<OperatorOptions> = {}): OperatorOptions {
  return {
    kc, log: pino({ level: process.env.ENLM_TEST_LOG ?? 'silent' }), namespace, image: 'test', hubUrl: 'http://hub:8090', hubAudience: 'eks-node-log-mcp-hub',
    collectorServiceAccount: 'agent', agentSelector: 'app.kubernetes.io/component=agent', leaderElect: true, identity: 'op-test',
    healthHost: '127.0.0.1', healthPort: 0, metricsPort: 0, qps: 50, burst: 100, concurrency: 2, collectTimeoutSeconds: 120,
    nodeGoneGraceSeconds: 5, pollSeconds: 1, store: new FsBundleStore(storeDir), storeUri: 'store://', catalog: CompiledCatalog.load(),
    ...overrides,
  };
}
