import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag AwsSolutions-IAM5 findings (wildcards) on a construct, one per finding as
 * cdk-nag 3 requires, all with the same reason.
 */
export function ackWildcards(scope: IConstruct, findings: string[], reason: string): void {
  Validations.of(scope).acknowledge(...findings.map((f) => ({ id: `AwsSolutions-IAM5[${f}]`, reason })));
}

/** How cdk-nag prints `<resource>.Arn` of a resource in a finding id. */
export function arnRef(resource: CfnElement): string {
  return `<${Stack.of(resource).getLogicalId(resource)}.Arn>`;
}

/** The ARN pattern cdk-nag prints for Arn.format(...) with the stack's pseudo parameters. */
export function pseudoArn(service: string, resource: string, account = true): string {
  return `arn:<AWS::Partition>:${service}:<AWS::Region>:${account ? '<AWS::AccountId>' : ''}:${resource}`;
}
