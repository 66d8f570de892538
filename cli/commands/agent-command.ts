import type { Logger } from 'pino';
import { NodeAgent } from '../../collector/agent/agent.js';
import { HttpHubClient } from '../../collector/agent/hub-client.js';
import { loadKubeConfig } from '../../mcp-server/kube/kube-client.js';

export interface AgentCommandOptions {
  nodeName: string;
  hubUrl: string;
  tokenFile: string;
  hostRoot: string;
  inPod?: boolean;
  kubeconfig?: string;
  once?: boolean;
  kind: 'nlc' | 'pcap';
  collection?: string;
}

/**
 * `agent`: the DaemonSet's process (watches work for its node until SIGTERM), or with `--once` the
 * one-shot collector pod's (does one resource, exits 0 when the hub accepted it).
 */
export async function runAgentCommand(o: AgentCommandOptions, log: Logger): Promise<number> {
  const kc = loadKubeConfig(o.kubeconfig ? { kind: 'kubeconfig', path: o.kubeconfig } : { kind: 'in-cluster' });
  const hub = new HttpHubClient({ hubUrl: o.hubUrl, tokenPath: o.tokenFile, log });
  let once: { kind: 'nlc' | 'pcap'; namespace: string; name: string } | undefined;
  if (o.once) {
    const m = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)$/.exec(o.collection ?? '');
    if (!m) {
      process.stderr.write('error: --once needs --collection <namespace>/<name>\n');
      return 2;
    }
    once = { kind: o.kind, namespace: m[1]!, name: m[3]! };
  }
  const agent = new NodeAgent({ kc, nodeName: o.nodeName, hub, hostRoot: o.hostRoot, inPod: Boolean(o.inPod), log, once });
  if (once) return agent.runOnce();
  await agent.start();
  // the watches alone do not keep the event loop alive while one is being re-established
  const alive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    const stop = () => void agent.stop().then(() => {
      clearInterval(alive);
      resolve();
    });
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
