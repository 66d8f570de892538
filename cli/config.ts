import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** The only place that reads process.env (STYLE.md 11). */
const EnvSchema = z.object({
  EKS_NLM_STORE: z.string().min(1).optional().describe('filesystem store directory'),
  EKS_NLM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  XDG_DATA_HOME: z.string().optional(),
});

export interface Config {
  storeDir: string;
  /** unset: each command picks its default (the CLI is quiet, a server logs at info) */
  logLevel: z.infer<typeof EnvSchema>['EKS_NLM_LOG_LEVEL'];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = EnvSchema.parse(env);
  const data = e.XDG_DATA_HOME ?? join(homedir(), '.local', 'share');
  return { storeDir: e.EKS_NLM_STORE ?? join(data, 'eks-node-log-mcp'), logLevel: e.EKS_NLM_LOG_LEVEL };
}
