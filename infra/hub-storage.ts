import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { checkovSkip } from './checkov-skip.js';
import { RUNBOOK_ARCHIVE_PREFIX, SSM_RESULTS_PREFIX } from './ssm-keys.js';

export interface HubStorageProps {
  /** alias suffix, e.g. the cluster name */
  aliasName: string;
  storePrefix: string;
  bundleRetentionDays: number;
  captureRetentionDays: number;
  resultRetentionDays: number;
  noncurrentRetentionDays: number;
  removalPolicy: RemovalPolicy;
  accessLogs: boolean;
}

/**
 * The hub's store: one KMS key (rotated yearly) and one bucket laid out as DESIGN.md §3 — bundles/
 * and captures/ under the store prefix, and at the bucket root what SSM drops before the operator
 * ingests it (the runbook's eks_i-… archives, captures below results/: ssm-keys.ts) — each with its
 * own expiry, plus an access-log bucket.
 */
export class HubStorage extends Construct {
  readonly key: kms.Key;
  readonly bucket: s3.Bucket;
  readonly logBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, p: HubStorageProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'eks-node-log-mcp hub: node log bundles and packet captures',
      enableKeyRotation: true,
      alias: `alias/eks-node-log-mcp/${p.aliasName}`,
      removalPolicy: p.removalPolicy,
      pendingWindow: Duration.days(30),
    });

    if (p.accessLogs) {
      // Server access logs cannot be delivered to an SSE-KMS bucket, hence S3-managed keys here.
      this.logBucket = new s3.Bucket(this, 'AccessLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removalPolicy: p.removalPolicy,
        lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
      });
      Validations.of(this.logBucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason: 'This is the access-log bucket itself; logging it into itself would loop.',
      });
      const cfnLogs = this.logBucket.node.defaultChild as s3.CfnBucket;
      checkovSkip(cfnLogs, 'CKV_AWS_18', 'this is the access-log bucket itself; logging it into itself would loop');
    }

    const at = (sub: string) => (p.storePrefix ? `${p.storePrefix}/${sub}` : sub);
    this.bucket = new s3.Bucket(this, 'Store', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: p.removalPolicy,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: this.logBucket ? 'store/' : undefined,
      lifecycleRules: [
        { id: 'bundles', prefix: at('bundles/'), expiration: Duration.days(p.bundleRetentionDays) },
        { id: 'captures', prefix: at('captures/'), expiration: Duration.days(p.captureRetentionDays) },
        // SSM drops sit at the bucket root whatever the store prefix (ssm-keys.ts says why)
        { id: 'results', prefix: SSM_RESULTS_PREFIX, expiration: Duration.days(p.resultRetentionDays) },
        { id: 'runbook-archives', prefix: RUNBOOK_ARCHIVE_PREFIX, expiration: Duration.days(p.resultRetentionDays) },
        {
          id: 'noncurrent-and-incomplete',
          noncurrentVersionExpiration: Duration.days(p.noncurrentRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    if (!this.logBucket) {
      const cfnStore = this.bucket.node.defaultChild as s3.CfnBucket;
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason: 'Access logging turned off by the accessLogs=false setting; CloudTrail data events are the alternative.',
      });
      checkovSkip(cfnStore, 'CKV_AWS_18', 'access logging turned off by the accessLogs=false setting');
    }
  }
}
