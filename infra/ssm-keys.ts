/**
 * Where the SSM method puts objects in the hub bucket. The grants (ssm-access.ts), the lifecycle
 * rules (hub-storage.ts) and the operator must name the same keys; hub-stack.test.ts checks these
 * against the operator's own constants. Both live at the bucket root whatever the store prefix:
 * the runbook cannot be given a prefix, and the operator writes captures at a fixed key.
 */

/**
 * AWSSupport-CollectEKSInstanceLogs takes a bucket NAME as LogDestination (its public parameter list
 * has no key prefix) and copies eks-log-collector.sh's archive, eks_<instance-id>_<time>_<version>.tar.gz,
 * to the root of that bucket. Every archive of an EC2 instance therefore starts with this.
 */
export const RUNBOOK_ARCHIVE_PREFIX = 'eks_i-';

/** Key prefix the operator gives SSM packet captures (operator/backends/ssm-capture.ts DEFAULT_CAPTURE_PREFIX). */
export const SSM_CAPTURE_PREFIX = 'results/captures-ssm/';

/** Prefix of the drop zone SSM captures land in, expired by the results/ lifecycle rule. */
export const SSM_RESULTS_PREFIX = 'results/';
