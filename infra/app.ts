#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HubConfigSchema } from './hub-config.js';
import { HubStack } from './hub-stack.js';

/**
 * CDK entry point: `cdk synth|deploy --app "node dist/infra/app.js" [-c key=value …]`. All settings
 * come from CDK context (see infra/hub-config.ts); with none it synthesises an env-agnostic stack
 * with a ClusterName parameter, offline. cdk-nag's AwsSolutions pack fails synthesis on any finding
 * that is not acknowledged with a reason.
 */
const app = new App();
const keys = Object.keys(HubConfigSchema.shape);
const raw = Object.fromEntries(keys.map((k) => [k, app.node.tryGetContext(k)]).filter(([, v]) => v !== undefined));
const parsed = HubConfigSchema.safeParse(raw);
if (!parsed.success) {
  const msg = parsed.error.issues.map((i) => `  -c ${i.path.join('.')}: ${i.message}`).join('\n');
  throw new Error(`invalid hub configuration:\n${msg}`);
}
const config = parsed.data;
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? (config.clusterName ? `EksNodeLogMcpHub-${config.clusterName}` : 'EksNodeLogMcpHub');
new HubStack(app, 'Hub', { stackName, config });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
