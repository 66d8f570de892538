import { Arn, Aws, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ackWildcards, arnRef, pseudoArn } from './nag-ack.js';

export interface SsmAccessProps {
  operatorRole: iam.Role;
  bucket: s3.IBucket;
  key: kms.IKey;
  /** key prefix where SSM Automation uploads archives (…/results/) */
  resultsPrefix: string;
  clusterName: string;
  /** instance roles of the node groups: they run the collection script and upload its archive */
  nodeRoleArns: string[];
}

/** The AWS Support runbook the operator starts (DESIGN.md §7). */
export const SSM_RUNBOOK = 'AWSSupport-CollectEKSInstanceLogs';

/**
 * Everything the SSM collection method needs, created only when it is enabled: the automation role
 * SSM assumes, the operator's grants to start/poll it and to run captures with SendCommand, and an
 * upload grant on the node roles (the runbook's script uploads with the instance's credentials).
 */
export class SsmAccess extends Construct {
  readonly automationRole: iam.Role;

  constructor(scope: Construct, id: string, p: SsmAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const resultsArn = p.bucket.arnForObjects(`${p.resultsPrefix}*`);
    const instancesInCluster = {
      StringEquals: { [`aws:ResourceTag/eks:cluster-name`]: p.clusterName },
    };

    this.automationRole = new iam.Role(this, 'AutomationRole', {
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      }),
      description: `SSM Automation role for ${SSM_RUNBOOK} started by eks-node-log-mcp`,
    });
    this.automationRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RunCollectionOnClusterNodes',
        actions: ['ssm:SendCommand'],
        resources: [Arn.format({ service: 'ec2', resource: 'instance', resourceName: '*' }, stack)],
        conditions: instancesInCluster,
      }),
    );
    this.automationRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RunShellDocument',
        actions: ['ssm:SendCommand'],
        resources: [Arn.format({ service: 'ssm', account: '', resource: 'document', resourceName: 'AWS-RunShellScript' }, stack)],
      }),
    );
    this.automationRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOnlyDescribe',
        // These read-only APIs support no resource-level permissions.
        actions: ['ssm:GetCommandInvocation', 'ssm:ListCommandInvocations', 'ssm:DescribeInstanceInformation', 'ec2:DescribeInstances'],
        resources: ['*'],
      }),
    );
    this.automationRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CheckBucketIsPrivate',
        actions: ['s3:GetBucketPolicyStatus', 's3:GetBucketAcl', 's3:GetBucketLocation'],
        resources: [p.bucket.bucketArn],
      }),
    );

    const runbookArn = Arn.format({ service: 'ssm', resource: 'automation-definition', resourceName: `${SSM_RUNBOOK}:*` }, stack);
    p.operatorRole.addToPolicy(
      new iam.PolicyStatement({ sid: 'StartCollectionRunbook', actions: ['ssm:StartAutomationExecution'], resources: [runbookArn] }),
    );
    p.operatorRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CaptureOnClusterNodes',
        actions: ['ssm:SendCommand'],
        resources: [Arn.format({ service: 'ec2', resource: 'instance', resourceName: '*' }, stack)],
        conditions: instancesInCluster,
      }),
    );
    p.operatorRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CaptureDocument',
        actions: ['ssm:SendCommand'],
        resources: [Arn.format({ service: 'ssm', account: '', resource: 'document', resourceName: 'AWS-RunShellScript' }, stack)],
      }),
    );
    p.operatorRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PollAndDescribe',
        // Read-only APIs without resource-level permissions.
        // ListCommands: an operator restarted between SendCommand and recording its id finds the capture command again
        actions: ['ssm:GetAutomationExecution', 'ssm:GetCommandInvocation', 'ssm:ListCommands', 'ssm:DescribeInstanceInformation', 'ec2:DescribeInstances'],
        resources: ['*'],
      }),
    );
    p.operatorRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PassAutomationRole',
        actions: ['iam:PassRole'],
        resources: [this.automationRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      }),
    );
    // The operator reads and removes what SSM uploaded once the hub has ingested it.
    p.operatorRole.addToPolicy(new iam.PolicyStatement({ sid: 'ReadSsmResults', actions: ['s3:GetObject', 's3:DeleteObject'], resources: [resultsArn] }));
    p.key.grantDecrypt(p.operatorRole);

    const results = `Resource::${arnRef(p.bucket.node.defaultChild as CfnElement)}/${p.resultsPrefix}*`;
    const instances = `Resource::${pseudoArn('ec2', 'instance/*')}`;
    ackWildcards(this.automationRole, [instances], 'SendCommand is limited to instances tagged eks:cluster-name=<this cluster> by a condition; instance ids are not known in advance.');
    ackWildcards(this.automationRole, ['Resource::*'], 'GetCommandInvocation, ListCommandInvocations, DescribeInstanceInformation and DescribeInstances support no resource-level permissions.');
    ackWildcards(p.operatorRole, [instances], 'SendCommand (captures) is limited to instances tagged eks:cluster-name=<this cluster> by a condition; instance ids are not known in advance.');
    ackWildcards(p.operatorRole, ['Resource::*'], 'GetAutomationExecution, GetCommandInvocation, ListCommands, DescribeInstanceInformation and DescribeInstances support no resource-level permissions.');
    ackWildcards(p.operatorRole, [`Resource::${pseudoArn('ssm', `automation-definition/${SSM_RUNBOOK}:*`)}`], 'The :* suffix is the runbook version; the grant names the one AWS Support runbook.');
    ackWildcards(p.operatorRole, [results], 'SSM uploads each collection under a generated key below results/; the operator reads and removes only that prefix.');

    if (p.nodeRoleArns.length > 0) {
      const upload = new iam.ManagedPolicy(this, 'NodeUpload', {
        // SSM captures upload below results/ too (results/captures-ssm/<instance>/<capture>.pcap): this grant covers them
        description: 'eks-node-log-mcp: lets node instance roles upload SSM collection archives to the hub results/ prefix',
        statements: [
          new iam.PolicyStatement({ sid: 'UploadResults', actions: ['s3:PutObject'], resources: [resultsArn] }),
          new iam.PolicyStatement({ sid: 'EncryptUploads', actions: ['kms:GenerateDataKey', 'kms:Encrypt'], resources: [p.key.keyArn] }),
        ],
        roles: p.nodeRoleArns.map((arn, i) => iam.Role.fromRoleArn(this, `NodeRole${i}`, arn, { mutable: false })),
      });
      ackWildcards(upload, [results], 'Nodes upload SSM collection archives under generated keys below results/ only.');
    }
  }
}
