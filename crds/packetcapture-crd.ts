import {
  type CrdDefinition, CATEGORY, commonStatus, count, DNS1123_LABEL, DNS1123_SUBDOMAIN, GROUP, METHODS, nodeNameField, type SchemaProps, text,
  VERSION,
} from './schema-kit.js';

export const MAX_CAPTURE_SECONDS = 3600;
export const MAX_FILTER_LENGTH = 1024;

interface Spec {
  nodeName?: string;
  podRef?: unknown;
  method: string;
}

/**
 * First line of defence only: the agent compiles the filter (tcpdump -d) before capturing, and it is
 * always passed as one argv element or SSM parameter, never through a shell. These characters have
 * no use in BPF and are what shell injection needs.
 */
function filterIsPlain(self: string): boolean {
  return !/[;\r\n`]/.test(self) && !self.includes('$(');
}

const spec: SchemaProps = {
  type: 'object',
  description: 'What to capture where, for how long. Immutable once created.',
  properties: {
    nodeName: nodeNameField('whose network namespace (host) to capture on; exactly one of nodeName or podRef'),
    podRef: {
      type: 'object',
      tsName: 'PodRef',
      description: "A pod whose network namespace to capture in (resolved on its node via cgroup → PID → /proc/PID/ns/net); exactly one of nodeName or podRef.",
      required: ['namespace', 'name'],
      properties: {
        namespace: { type: 'string', description: 'Namespace of the pod (a DNS-1123 label).', minLength: 1, maxLength: 63, pattern: DNS1123_LABEL },
        name: {
          type: 'string',
          description: 'Name of the pod (a DNS-1123 subdomain).',
          minLength: 1,
          maxLength: 253,
          pattern: DNS1123_SUBDOMAIN,
        },
      },
    },
    interface: {
      type: 'string',
      description: 'Interface to capture on inside the chosen network namespace, e.g. eth0; any captures all of them.',
      minLength: 1,
      maxLength: 15,
      pattern: '^[A-Za-z0-9_.:@-]+$',
      default: 'any',
    },
    filter: {
      type: 'string',
      description: `BPF capture filter as tcpdump takes it, e.g. "udp port 53" (at most ${MAX_FILTER_LENGTH} characters). Compiled before use; passed as data, never through a shell.`,
      maxLength: MAX_FILTER_LENGTH,
      'x-kubernetes-validations': [{
        rule: "!self.matches('[;\\r\\n`]') && !self.contains('$(')",
        message: 'filter must not contain ;, newlines, backticks or $( — a BPF filter needs none of them',
        mirror: filterIsPlain,
      }],
    },
    durationSeconds: {
      type: 'integer',
      format: 'int32',
      description: `How long to capture, in seconds (1 to ${MAX_CAPTURE_SECONDS}).`,
      minimum: 1,
      maximum: MAX_CAPTURE_SECONDS,
      default: 60,
    },
    maxPackets: {
      type: 'integer',
      format: 'int64',
      description: 'Stop after this many packets.',
      minimum: 1,
      maximum: 100000000,
      default: 1000000,
    },
    maxBytes: {
      type: 'integer',
      format: 'int64',
      description: 'Stop when the capture files reach this many bytes in total (1 MiB to 2 GiB; default 100 MiB).',
      minimum: 1048576,
      maximum: 2147483648,
      default: 104857600,
    },
    snapLength: {
      type: 'integer',
      format: 'int32',
      description: 'Bytes kept of each packet (tcpdump -s); 0 means the whole packet.',
      minimum: 0,
      maximum: 262144,
      default: 262144,
    },
    method: {
      type: 'string',
      description: 'How to reach the node: agent, job, ssm (SendCommand, host namespace only) or auto.',
      enum: METHODS,
      default: 'auto',
    },
    ttlSecondsAfterFinished: {
      type: 'integer',
      format: 'int32',
      minimum: 0,
      maximum: 2592000,
      description: 'Seconds after Completed or Failed before the operator deletes this resource (the capture stays in the hub). Unset keeps it.',
    },
  },
  'x-kubernetes-validations': [
    {
      rule: 'has(self.nodeName) != has(self.podRef)',
      message: 'exactly one of nodeName or podRef must be set',
      mirror: (s: Spec) => (s.nodeName !== undefined) !== (s.podRef !== undefined),
    },
    {
      rule: "self.method != 'ssm' || has(self.nodeName)",
      message: "method ssm needs a nodeName: a pod's network namespace is reached only by the agent or a job",
      fieldPath: '.method',
      mirror: (s: Spec) => s.method !== 'ssm' || s.nodeName !== undefined,
    },
    { rule: 'self == oldSelf', message: 'spec is immutable; create a new PacketCapture to capture again' },
  ],
};

const anomalyCounts: Record<string, SchemaProps> = {
  critical: count('Anomalies of severity critical.'),
  warning: count('Anomalies of severity warning.'),
  info: count('Anomalies of severity info.'),
};

const status: SchemaProps = {
  type: 'object',
  description: 'What the operator observed and did. Written only by the operator.',
  properties: {
    ...commonStatus('capture'),
    ssmCommandId: text('SSM SendCommand id when method is ssm.', 64),
    podUid: text("UID of the target pod (podRef), resolved by the operator; the agent finds the pod's network namespace from it through the kubepods cgroup, without crictl.", 64),
    captureId: text('Capture id in the hub; pass it to tcpdump_analyze.', 128),
    uri: text('Where the capture lives in the hub store (s3://bucket/captures/<node>/<id>/ or a file path); never a presigned URL.', 1024),
    packets: count('Packets captured.'),
    bytes: count('Bytes captured (file size of all chunks).'),
    anomalies: {
      type: 'object',
      tsName: 'AnomalySummary',
      description: 'Anomalies the analysis found (use tcpdump_analyze for all of them).',
      properties: {
        total: count('All anomalies.'),
        bySeverity: { type: 'object', tsName: 'AnomalyCounts', description: 'Anomaly counts by severity.', properties: anomalyCounts },
        top: {
          type: 'array',
          description: 'Up to 10 anomalies, most severe first.',
          maxItems: 10,
          items: {
            type: 'object',
            tsName: 'TopAnomaly',
            description: 'One anomaly.',
            required: ['id', 'type', 'severity'],
            properties: {
              id: text('Anomaly id (P-001…).', 16),
              type: text('Anomaly type, e.g. tcp-retransmissions.', 128),
              severity: { type: 'string', description: 'Severity of the anomaly.', enum: ['critical', 'warning', 'info'] },
              message: text('One-line description.', 512),
            },
          },
        },
      },
    },
  },
};

export const packetCaptureCrd: CrdDefinition = {
  group: GROUP,
  version: VERSION,
  kind: 'PacketCapture',
  listKind: 'PacketCaptureList',
  plural: 'packetcaptures',
  singular: 'packetcapture',
  shortNames: ['pcap'],
  categories: [CATEGORY],
  description: "A request to capture packets on a node or in a pod's network namespace for a bounded time, store the capture in the hub and analyse it.",
  spec,
  status,
  printerColumns: [
    { name: 'Node', type: 'string', jsonPath: '.spec.nodeName', description: 'Target node.' },
    { name: 'Pod', type: 'string', jsonPath: '.spec.podRef.name', description: 'Target pod.', priority: 1 },
    { name: 'Method', type: 'string', jsonPath: '.status.method', description: 'Method used.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Phase.' },
    { name: 'Packets', type: 'integer', jsonPath: '.status.packets', description: 'Packets captured.' },
    { name: 'Anomalies', type: 'integer', jsonPath: '.status.anomalies.total', description: 'Anomalies found.' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Age.' },
  ],
};
