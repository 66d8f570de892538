import type { Logger } from 'pino';
import type { JobPodOptions } from './backends/job-pod.js';
import type { ClusterClient } from './cluster-client.js';
import type { OperatorMetrics } from './metrics.js';

/** What both reconcilers need: the API, where the agents run, the one-shot pod, the deadlines. */
export interface ReconcilerOptions {
  client: ClusterClient;
  log: Logger;
  metrics?: OperatorMetrics;
  /** where agent pods run, and their label selector */
  agentNamespace: string;
  agentSelector: string;
  job: JobPodOptions;
  /** work not finished after this fails (the node never uploaded) */
  collectTimeoutSeconds: number;
  /** a target node missing this long fails the work */
  nodeGoneGraceSeconds: number;
  pollSeconds: number;
  now?: () => number;
}
