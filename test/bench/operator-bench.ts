import * as k8s from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { GROUP, NLC_PLURAL, type NodeLogCollection, VERSION } from '../../operator/resources.js';
import { runOperator } from '../../operator/run-operator.js';
import { startControlPlane } from '../env/kube.js';
import { createNode, createReadyAgentPod, ensureNamespace, installCrds, mergePatch } from '../helpers/kube-fixtures.js';

/**
 * Issue 6 benchmark: N NodeLogCollections created at once against a real kube-apiserver; every one
 * must reach a terminal phase while the operator's own API request rate stays bounded by its
 * token bucket (--qps/--burst). Reports requests/s, time to first status and time to all terminal.
 *   node dist/test/bench/operator-bench.js [--collections 500] [--nodes 50] [--qps 20] [--burst 40]
 * What plays another component: the hub's "Completed" status write, done here by a watcher as soon
 * as a collection is Collecting (no real bundle upload: that path is the e2e test's). Everything the
 * operator does (finalizer, method pick, status, TTL clean-up) is real.
 */
const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const N = arg('collections', 500);
const NODES = arg('nodes', 50);
const QPS = arg('qps', 20);
const BURST = arg('burst', 40);
const NS = 'enlm-bench';

const cp = await startControlPlane();
const storeDir = await mkdtemp(join(tmpdir(), 'enlm-opbench-'));
try {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await installCrds(cp);
  await ensureNamespace(kc, NS);
  for (let i = 0; i < NODES; i++) {
    const name = `ip-10-1-${i >> 8}-${i & 255}.ec2.internal`;
    await createNode(kc, name, `i-0b${i.toString(16).padStart(15, '0')}`);
    await createReadyAgentPod(kc, NS, name);
  }
  const op = await runOperator({
    kc, log: pino({ level: 'silent' }), namespace: NS, image: 'bench', hubUrl: 'http://hub:8090', hubAudience: 'eks-node-log-mcp-hub',
    collectorServiceAccount: 'agent', agentSelector: 'app.kubernetes.io/name=eks-node-log-mcp,app.kubernetes.io/component=agent',
    leaderElect: false, healthHost: '127.0.0.1', healthPort: 0, metricsPort: 0, qps: QPS, burst: BURST, concurrency: 4,
    collectTimeoutSeconds: 600, nodeGoneGraceSeconds: 60, pollSeconds: 30, store: new FsBundleStore(storeDir), storeUri: 'store://',
    catalog: CompiledCatalog.load(),
  });

  // the hub's part: mark a Collecting collection Completed (one status write per collection)
  const firstStatus = new Map<string, number>();
  const terminal = new Map<string, number>();
  const completing = new Set<string>();
  const path = `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${NLC_PLURAL}`;
  const watch = new k8s.Watch(kc);
  const req = await watch.watch(path, {}, (_type: string, o: NodeLogCollection) => {
    const name = o.metadata!.name!;
    const phase = o.status?.phase;
    if (phase && !firstStatus.has(name)) firstStatus.set(name, performance.now());
    if ((phase === 'Completed' || phase === 'Failed') && !terminal.has(name)) terminal.set(name, performance.now());
    if (phase === 'Collecting' && !completing.has(name)) {
      completing.add(name);
      void custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, name, body: { status: { phase: 'Completed', completionTime: new Date().toISOString(), findings: { total: 0 } } } }, mergePatch);
    }
  }, () => undefined);

  const before = await op.metrics.apiRequests.get();
  const sent = (m: typeof before) => m.values.reduce((n, v) => n + v.value, 0);
  const t0 = performance.now();
  const creates: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    const node = `ip-10-1-${(i % NODES) >> 8}-${(i % NODES) & 255}.ec2.internal`;
    creates.push(custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'NodeLogCollection', metadata: { name: `bench-${i}` }, spec: { nodeName: node } } }));
    if (creates.length >= 50) await Promise.all(creates.splice(0));
  }
  await Promise.all(creates);
  const created = performance.now();
  const deadline = Date.now() + 20 * 60_000;
  while (terminal.size < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const done = performance.now();
  const requests = sent(await op.metrics.apiRequests.get()) - sent(before);
  const seconds = (done - t0) / 1000;
  const firsts = [...firstStatus.values()].map((t) => t - t0).sort((a, b) => a - b);
  console.log(`operator bench: ${N} NodeLogCollections on ${NODES} nodes against kube-apiserver ${cp.url}`);
  console.log(`  created in ${((created - t0) / 1000).toFixed(1)} s; terminal: ${terminal.size}/${N} after ${seconds.toFixed(1)} s`);
  console.log(`  time to first status: first ${(firsts[0]! / 1000).toFixed(2)} s, median ${(firsts[Math.floor(firsts.length / 2)]! / 1000).toFixed(2)} s, last ${(firsts[firsts.length - 1]! / 1000).toFixed(2)} s`);
  console.log(`  operator API requests: ${requests} in ${seconds.toFixed(1)} s = ${(requests / seconds).toFixed(1)} req/s (limit ${QPS} qps, burst ${BURST}); ${(requests / N).toFixed(1)} per collection`);
  console.log(`  bounded: ${requests / seconds <= QPS * 1.05 + BURST / seconds ? 'yes' : 'NO'}`);
  req.abort();
  await op.stop();
  if (terminal.size < N) process.exitCode = 1;
} finally {
  await cp.stop();
  await rm(storeDir, { recursive: true, force: true });
}
