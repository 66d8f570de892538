import { Stack, Token } from 'aws-cdk-lib';
import { CfnPodIdentityAssociation } from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { issuerOf } from './hub-config.js';

export type WorkloadIdentity =
  | { mode: 'irsa'; oidcProviderArn: string }
  | { mode: 'pod-identity'; clusterName: string };

export interface WorkloadRoleProps {
  identity: WorkloadIdentity;
  namespace: string;
  serviceAccount: string;
  description: string;
}

/**
 * An IAM role that exactly one Kubernetes ServiceAccount can assume: through IRSA (the cluster's
 * OIDC provider, `sub` pinned to system:serviceaccount:<ns>:<sa> and `aud` to STS) or through EKS
 * Pod Identity (the pods.eks.amazonaws.com principal plus an association for that namespace/SA).
 */
export class WorkloadRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: WorkloadRoleProps) {
    super(scope, id);
    const { identity, namespace, serviceAccount } = props;
    let assumedBy: iam.IPrincipal;
    if (identity.mode === 'irsa') {
      // Condition keys embed the issuer, and JSON keys cannot be tokens; CfnJson could resolve one
      // but costs a custom-resource Lambda, so the ARN must be a literal (hub-config.ts checks it).
      if (Token.isUnresolved(identity.oidcProviderArn)) throw new Error('IRSA needs a literal OIDC provider ARN');
      const issuer = issuerOf(identity.oidcProviderArn);
      const conditions = {
        [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
        [`${issuer}:aud`]: 'sts.amazonaws.com',
      };
      assumedBy = new iam.OpenIdConnectPrincipal(
        iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(this, 'Oidc', identity.oidcProviderArn),
        { StringEquals: conditions },
      );
    } else {
      // Pod Identity's agent calls AssumeRole + TagSession; the association below scopes the role
      // to one namespace/SA, and aws:SourceAccount keeps other accounts' clusters out (confused deputy).
      assumedBy = new iam.SessionTagsPrincipal(
        new iam.ServicePrincipal('pods.eks.amazonaws.com').withConditions({
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        }),
      );
    }
    this.role = new iam.Role(this, 'Role', { assumedBy, description: props.description });
    if (identity.mode === 'pod-identity') {
      new CfnPodIdentityAssociation(this, 'Association', {
        clusterName: identity.clusterName,
        namespace,
        serviceAccount,
        roleArn: this.role.roleArn,
      });
    }
  }
}
