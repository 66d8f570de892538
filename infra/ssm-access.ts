import { Arn, Aws, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ackWildcards, arnRef, pseudoArn } from './nag-ack.js';
import { RUNBOOK_ARCHIVE_PREFIX, SSM_CAPTURE_PREFIX } from './ssm-keys.js';

export interface SsmAccessProps {
  operatorRole: iam.Role;
  bucket: s3.IBucket;
  key: kms.IKey;
  /** the store's key prefix inside the bucket ('' for none; the chart's storage.s3.prefix) */
  storePrefix: string;
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
    const archivesArn = p.bucket.arnForObjects(`${RUNBOOK_ARCHIVE_PREFIX}*`);
    const ssmCapturesArn = p.bucket.arnForObjects(`${SSM_CAPTURE_PREFIX}*`);
    const sp = p.storePrefix ? `${p.storePrefix}/` : '';
    const storeBundlesArn = p.bucket.arnForObjects(`${sp}bundles/*`);
    const storeCapturesArn = p.bucket.arnForObjects(`${sp}captures/*`);
    // S3 uses the key on the caller's behalf (SSE-KMS); nobody needs it outside S3 in the hub's region
    const throughS3 = { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.${Aws.URL_SUFFIX}` } };
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
    // Deleting a resource cancels its SSM work (the finalizer pass of reconcile-nlc.ts and
    // reconcile-pcap.ts): StopAutomationExecution for a collection, CancelCommand for a capture.
    // Execution ids are not known in advance; CancelCommand has no resource-level permissions.
    p.operatorRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'StopOwnCollections',
        actions: ['ssm:StopAutomationExecution'],
        resources: [Arn.format({ service: 'ssm', resource: 'automation-execution', resourceName: '*' }, stack)],
      }),
    );
    p.operatorRole.addToPolicy(new iam.PolicyStatement({ sid: 'CancelOwnCaptures', actions: ['ssm:CancelCommand'], resources: ['*'] }));
    p.operatorRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PassAutomationRole',
        actions: ['iam:PassRole'],
        resources: [this.automationRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      }),
    );
    // What the operator does with S3 once SSM is on (backends/ssm-ingest.ts, ssm-capture-ingest.ts):
    // it finds the runbook's archive by listing its instance's keys, reads it and the SSM capture,
    // and ingests both into the store it is given with --store (bundles/ and captures/ under the
    // store prefix), where it also reads back, lists and drops capture chunks. It deletes nothing
    // SSM uploaded: lifecycle rules expire those. AbortMultipartUpload: a failed streamed put
    // aborts its multipart upload (core/store/s3-store.ts).
    p.operatorRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ListSsmArchivesAndStoreCaptures',
        actions: ['s3:ListBucket'],
        resources: [p.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${RUNBOOK_ARCHIVE_PREFIX}*`, `${sp}captures/*`] } },
      }),
    );
    p.operatorRole.addToPolicy(new iam.PolicyStatement({ sid: 'ReadSsmUploads', actions: ['s3:GetObject'], resources: [archivesArn, ssmCapturesArn] }));
    p.operatorRole.addToPolicy(
      new iam.PolicyStatement({ sid: 'IngestIntoStore', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [storeBundlesArn, storeCapturesArn] }),
    );
    p.operatorRole.addToPolicy(new iam.PolicyStatement({ sid: 'ReadAndDropCaptureChunks', actions: ['s3:GetObject', 's3:DeleteObject'], resources: [storeCapturesArn] }));
    // GenerateDataKey for SSE-KMS writes, Decrypt for reads and for completing multipart uploads
    p.operatorRole.addToPolicy(
      new iam.PolicyStatement({ sid: 'HubKeyThroughS3', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [p.key.keyArn], conditions: throughS3 }),
    );

    const objects = (prefix: string) => `Resource::${arnRef(p.bucket.node.defaultChild as CfnElement)}/${prefix}*`;
    const archives = objects(RUNBOOK_ARCHIVE_PREFIX);
    const ssmCaptures = objects(SSM_CAPTURE_PREFIX);
    const instances = `Resource::${pseudoArn('ec2', 'instance/*')}`;
    ackWildcards(this.automationRole, [instances], 'SendCommand is limited to instances tagged eks:cluster-name=<this cluster> by a condition; instance ids are not known in advance.');
    ackWildcards(this.automationRole, ['Resource::*'], 'GetCommandInvocation, ListCommandInvocations, DescribeInstanceInformation and DescribeInstances support no resource-level permissions.');
    ackWildcards(p.operatorRole, [instances], 'SendCommand (captures) is limited to instances tagged eks:cluster-name=<this cluster> by a condition; instance ids are not known in advance.');
    ackWildcards(p.operatorRole, ['Resource::*'], 'GetAutomationExecution, GetCommandInvocation, ListCommands, CancelCommand, DescribeInstanceInformation and DescribeInstances support no resource-level permissions.');
    ackWildcards(p.operatorRole, [`Resource::${pseudoArn('ssm', 'automation-execution/*')}`], 'StopAutomationExecution of the collection being deleted: execution ids are made by SSM at start, not known in advance.');
    ackWildcards(p.operatorRole, [`Resource::${pseudoArn('ssm', `automation-definition/${SSM_RUNBOOK}:*`)}`], 'The :* suffix is the runbook version; the grant names the one AWS Support runbook.');
    ackWildcards(p.operatorRole, [archives, ssmCaptures], 'The runbook names its archive eks_<instance>_<time>_<version>.tar.gz at the bucket root and SSM captures get generated keys below results/captures-ssm/; the operator only reads these two prefixes.');
    ackWildcards(p.operatorRole, [objects(`${sp}bundles/`), objects(`${sp}captures/`)], 'The operator ingests SSM collections into the store: bundles/<node>/<id>/ and captures/<node>/<id>/ keys are generated per collection; the grant names those two store prefixes only.');

    if (p.nodeRoleArns.length > 0) {
      const upload = new iam.ManagedPolicy(this, 'NodeUpload', {
        description: 'eks-node-log-mcp: lets node instance roles upload SSM collection archives and SSM captures to the hub bucket',
        // As the runbook's documentation asks of the instance profile: put the archive, read the
        // bucket's policy status and ACL (the upload step refuses a public bucket), and the key.
        statements: [
          new iam.PolicyStatement({ sid: 'UploadArchivesAndCaptures', actions: ['s3:PutObject'], resources: [archivesArn, ssmCapturesArn] }),
          new iam.PolicyStatement({ sid: 'CheckBucketIsPrivate', actions: ['s3:GetBucketPolicyStatus', 's3:GetBucketAcl'], resources: [p.bucket.bucketArn] }),
          // Decrypt as well: `aws s3 cp` of a large archive is a multipart upload, which needs it under SSE-KMS
          new iam.PolicyStatement({ sid: 'EncryptUploads', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [p.key.keyArn], conditions: throughS3 }),
        ],
        roles: p.nodeRoleArns.map((arn, i) => iam.Role.fromRoleArn(this, `NodeRole${i}`, arn, { mutable: false })),
      });
      ackWildcards(upload, [archives, ssmCaptures], 'Nodes upload the runbook archive (eks_<instance>_… at the bucket root, where the runbook puts it) and SSM captures (results/captures-ssm/) only.');
    }
  }
}
