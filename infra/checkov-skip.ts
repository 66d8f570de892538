import type { CfnResource } from 'aws-cdk-lib';

/**
 * Records a checkov suppression, with its reason, in the resource's CloudFormation Metadata (the
 * form checkov reads from a template), so the reason travels with the synthesised template.
 */
export function checkovSkip(resource: CfnResource, id: string, comment: string): void {
  const existing = (resource.getMetadata('checkov') as { skip?: { id: string; comment: string }[] } | undefined)?.skip ?? [];
  resource.addMetadata('checkov', { skip: [...existing, { id, comment }] });
}
