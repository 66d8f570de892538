import type { V1Pod } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { CollectionResource } from '../resources.js';
import { GROUP, VERSION } from '../resources.js';

export interface JobPodOptions {
  image: string;
  hubUrl: string;
  serviceAccountName: string;
  /** audience of the projected token the hub's TokenReview requires */
  hubAudience: string;
}

export const JOB_LABEL = 'eksnodelog.io/collection';

/** Deterministic, DNS-1123-safe pod name per resource (so a re-reconcile finds, never duplicates, it). */
export function jobPodName(kind: 'nlc' | 'pcap', name: string, uid: string): string {
  const h = createHash('sha256').update(uid).digest('hex').slice(0, 8);
  return `enlm-${kind}-${name.slice(0, 40).replace(/[^a-z0-9-]/g, '-').replace(/-+$/, '')}-${h}`;
}

/**
 * The one-shot collector: the agent image with `agent --once`, pinned to the node by nodeName (no
 * scheduler involved, so it runs even when the node is cordoned or full), privileged in the host's
 * PID and network namespaces because it reads the host through nsenter, owned by the resource so
 * deleting the resource deletes the pod. It tolerates every taint: sick nodes are the point.
 */
export function jobPod(kind: 'NodeLogCollection' | 'PacketCapture', res: CollectionResource, nodeName: string, o: JobPodOptions): V1Pod {
  const short = kind === 'NodeLogCollection' ? 'nlc' : 'pcap';
  const name = jobPodName(short, res.metadata!.name!, res.metadata!.uid!);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: res.metadata!.namespace,
      labels: { 'app.kubernetes.io/name': 'eks-node-log-mcp', 'app.kubernetes.io/component': 'collector-job', [JOB_LABEL]: res.metadata!.name! },
      ownerReferences: [{ apiVersion: `${GROUP}/${VERSION}`, kind, name: res.metadata!.name!, uid: res.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName,
      restartPolicy: 'Never',
      hostPID: true,
      hostNetwork: true,
      serviceAccountName: o.serviceAccountName,
      automountServiceAccountToken: true,
      tolerations: [{ operator: 'Exists' }],
      priorityClassName: 'system-node-critical',
      activeDeadlineSeconds: 3900,
      containers: [
        {
          name: 'collector',
          image: o.image,
          args: ['agent', '--once', '--in-pod', '--kind', short, '--collection', `${res.metadata!.namespace}/${res.metadata!.name}`, '--node-name', nodeName, '--hub-url', o.hubUrl],
          env: [{ name: 'HOST_ROOT', value: '/host' }],
          // root, not only privileged: the image runs as USER 65532, and a privileged non-root process
          // has no capabilities, so nsenter into PID 1's namespaces and reads of root-only host files
          // (journals, /proc/<pid>/ns, iptables state) would all fail
          securityContext: { privileged: true, runAsUser: 0, runAsGroup: 0, runAsNonRoot: false },
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
          volumeMounts: [
            { name: 'host', mountPath: '/host', readOnly: true },
            { name: 'hub-token', mountPath: '/var/run/secrets/eks-node-log-mcp', readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'host', hostPath: { path: '/', type: 'Directory' } },
        { name: 'hub-token', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: o.hubAudience, expirationSeconds: 3600 } }] } },
        { name: 'tmp', emptyDir: { sizeLimit: '2Gi' } },
      ],
    },
  };
}
