import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { type DeployEnv, parseDeployEnv } from './deploy-env.js';

/** The only place that reads process.env (STYLE.md 11). */
const EnvSchema = z.object({
  EKS_NLM_STORE: z.string().min(1).optional().describe('filesystem store directory'),
  EKS_NLM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  XDG_DATA_HOME: z.string().optional(),
  POD_NAMESPACE: z.string().min(1).optional().describe('namespace of the pod this process runs in (downward API)'),
  AWS_REGION: z.string().min(1).optional(),
  HOST_ROOT: z.string().min(1).optional().describe("where the host's filesystem is mounted in the agent pod (/host)"),
  EKS_NLM_IMAGE: z.string().min(1).optional().describe('image of this product, for the one-shot collector pods the operator creates'),
});

export interface Config {
  storeDir: string;
  /** unset: each command picks its default (the CLI is quiet, a server logs at info) */
  logLevel: z.infer<typeof EnvSchema>['EKS_NLM_LOG_LEVEL'];
  podNamespace: string | undefined;
  awsRegion: string | undefined;
  image: string | undefined;
  hostRoot: string;
  /** deploy's variables (cli/deploy-env.ts), parsed when deploy runs so a bad one never stops another command */
  deployEnv: () => DeployEnv;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = EnvSchema.parse(env);
  const data = e.XDG_DATA_HOME ?? join(homedir(), '.local', 'share');
  return { storeDir: e.EKS_NLM_STORE ?? join(data, 'eks-node-log-mcp'), logLevel: e.EKS_NLM_LOG_LEVEL, podNamespace: e.POD_NAMESPACE, awsRegion: e.AWS_REGION, image: e.EKS_NLM_IMAGE, hostRoot: e.HOST_ROOT ?? '/', deployEnv: () => parseDeployEnv(env) };
}
