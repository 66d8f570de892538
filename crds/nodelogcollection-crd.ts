import { durationSeconds } from './duration.js';
import {
  type CrdDefinition, CATEGORY, commonStatus, count, durationField, GROUP, INSTANCE_ID, METHODS, nodeNameField,
  type SchemaProps, text, VERSION,
} from './schema-kit.js';

/** The eks-node-monitoring-agent categories; `All` means every one of them. */
export const COLLECTION_CATEGORIES = ['Base', 'Device', 'Networking', 'Runtime', 'System', 'All'] as const;

/** Window when neither `since` nor `incidentTime` is set (a schema default would collide with incidentTime). */
export const DEFAULT_SINCE = '24h';
export const DEFAULT_INCIDENT_PADDING = '5m';
const MAX_SINCE_SECONDS = 168 * 3600;
const MAX_PADDING_SECONDS = 12 * 3600;

interface Spec {
  nodeName?: string;
  instanceId?: string;
  categories: string[];
  since?: string;
  incidentTime?: string;
  incidentPadding?: string;
}

const severityCounts: Record<string, SchemaProps> = {
  critical: count('Findings of severity critical.'),
  high: count('Findings of severity high.'),
  warning: count('Findings of severity warning.'),
  info: count('Findings of severity info.'),
};

const spec: SchemaProps = {
  type: 'object',
  description: 'What to collect from which node, and how. Immutable once created: create a new NodeLogCollection to collect again.',
  properties: {
    nodeName: nodeNameField('to collect from; exactly one of nodeName or instanceId'),
    instanceId: {
      type: 'string',
      description: 'EC2 instance id to collect from when the node is not (or no longer) a Kubernetes Node; exactly one of nodeName or instanceId. Reached over SSM.',
      maxLength: 19,
      pattern: INSTANCE_ID,
    },
    method: {
      type: 'string',
      description: 'How to reach the node: agent (the DaemonSet pod), job (a one-shot privileged Pod pinned to the node), ssm (AWS SSM Automation, the only way into a node whose kubelet is dead), or auto (agent if Ready on the node, else ssm if configured and the instance id is known, else job).',
      enum: METHODS,
      default: 'auto',
    },
    categories: {
      type: 'array',
      description: 'What to collect, as the eks-node-monitoring-agent categories. All cannot be combined with others.',
      minItems: 1,
      maxItems: 6,
      default: ['All'],
      'x-kubernetes-list-type': 'set',
      items: { type: 'string', description: 'One category.', enum: COLLECTION_CATEGORIES },
      'x-kubernetes-validations': [{
        rule: "!('All' in self) || size(self) == 1",
        message: 'All already includes every category; list it alone',
        mirror: (self: string[]) => !self.includes('All') || self.length === 1,
      }],
    },
    since: durationField(
      `How far back journals and logs go from now, e.g. 2h or 30m (1m to 168h). Mutually exclusive with incidentTime; when both are absent the operator uses ${DEFAULT_SINCE}.`,
      {
        'x-kubernetes-validations': [{
          rule: "duration(self) >= duration('1m') && duration(self) <= duration('168h')",
          message: 'since must be between 1m and 168h',
          mirror: (self: string) => {
            const s = durationSeconds(self);
            return s !== undefined && s >= 60 && s <= MAX_SINCE_SECONDS;
          },
        }],
      },
    ),
    incidentTime: {
      type: 'string',
      format: 'date-time',
      description: 'RFC 3339 time of the incident; the window is incidentTime ± incidentPadding. Mutually exclusive with since.',
    },
    incidentPadding: durationField(
      `Half-width of the window around incidentTime, e.g. 10m (1s to 12h; default ${DEFAULT_INCIDENT_PADDING}). Only with incidentTime.`,
      {
        'x-kubernetes-validations': [{
          rule: "duration(self) >= duration('1s') && duration(self) <= duration('12h')",
          message: 'incidentPadding must be between 1s and 12h',
          mirror: (self: string) => {
            const s = durationSeconds(self);
            return s !== undefined && s >= 1 && s <= MAX_PADDING_SECONDS;
          },
        }],
      },
    ),
    ttlSecondsAfterFinished: {
      type: 'integer',
      format: 'int32',
      minimum: 0,
      maximum: 2592000,
      description: 'Seconds after Completed or Failed before the operator deletes this resource (the bundle stays in the hub). Unset keeps it.',
    },
  },
  'x-kubernetes-validations': [
    {
      rule: 'has(self.nodeName) != has(self.instanceId)',
      message: 'exactly one of nodeName or instanceId must be set',
      mirror: (s: Spec) => (s.nodeName !== undefined) !== (s.instanceId !== undefined),
    },
    {
      rule: '!(has(self.incidentTime) && has(self.since))',
      message: 'since and incidentTime are mutually exclusive: use since for "the last N", incidentTime for a window around an event',
      mirror: (s: Spec) => !(s.incidentTime !== undefined && s.since !== undefined),
    },
    {
      rule: '!has(self.incidentPadding) || has(self.incidentTime)',
      message: 'incidentPadding needs incidentTime',
      fieldPath: '.incidentPadding',
      mirror: (s: Spec) => s.incidentPadding === undefined || s.incidentTime !== undefined,
    },
    {
      // Redundant with the rule above today; it keeps the ssm contract explicit if targets grow.
      rule: "self.method != 'ssm' || has(self.instanceId) || has(self.nodeName)",
      message: 'method ssm needs instanceId or a nodeName whose providerID names the instance',
      fieldPath: '.method',
      mirror: (s: Spec & { method: string }) => s.method !== 'ssm' || s.instanceId !== undefined || s.nodeName !== undefined,
    },
    { rule: 'self == oldSelf', message: 'spec is immutable; create a new NodeLogCollection to collect again' },
  ],
};

const status: SchemaProps = {
  type: 'object',
  description: 'What the operator observed and did. Written only by the operator.',
  properties: {
    ...commonStatus('collection'),
    ssmExecutionId: text('SSM Automation execution id when method is ssm (the resource UID is its client token).', 64),
    bundle: {
      type: 'object',
      tsName: 'BundleRef',
      description: 'The bundle the collection produced in the hub.',
      properties: {
        id: text('Bundle id (sorts by time); pass it as bundleId to the MCP tools.', 128),
        uri: text('Where the bundle lives in the hub store (s3://bucket/bundles/<node>/<id>/ or a file path); never a presigned URL.', 1024),
        sizeBytes: count('Size of the archive as received, in bytes.'),
        files: count('Number of files in the bundle.'),
      },
    },
    findings: {
      type: 'object',
      tsName: 'FindingSummary',
      description: 'Finding counts by severity, and the top findings (use the errors tool for all of them).',
      properties: {
        ...severityCounts,
        total: count('All findings.'),
        top: {
          type: 'array',
          description: 'Up to 10 findings, most severe first.',
          maxItems: 10,
          items: {
            type: 'object',
            tsName: 'TopFinding',
            description: 'One finding.',
            required: ['id', 'code', 'severity'],
            properties: {
              id: text('Finding id, stable per bundle (F-001…).', 16),
              code: text('Detection code, e.g. IPAMDNoIPs.', 128),
              severity: { type: 'string', description: 'Severity of the finding.', enum: ['critical', 'high', 'warning', 'info'] },
              title: text('One-line title.', 256),
              count: count('How many times it occurred.'),
            },
          },
        },
      },
    },
  },
};

export const nodeLogCollectionCrd: CrdDefinition = {
  group: GROUP,
  version: VERSION,
  kind: 'NodeLogCollection',
  listKind: 'NodeLogCollectionList',
  plural: 'nodelogcollections',
  singular: 'nodelogcollection',
  shortNames: ['nlc'],
  categories: [CATEGORY],
  description: "A request to collect a worker node's OS-level diagnostics (journals, CNI, iptables, dmesg, …) into the hub and index them into findings.",
  spec,
  status,
  printerColumns: [
    { name: 'Node', type: 'string', jsonPath: '.spec.nodeName', description: 'Target node.' },
    { name: 'Instance', type: 'string', jsonPath: '.status.instanceId', description: 'EC2 instance id.', priority: 1 },
    { name: 'Method', type: 'string', jsonPath: '.status.method', description: 'Method used.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Phase.' },
    { name: 'Findings', type: 'integer', jsonPath: '.status.findings.total', description: 'All findings.' },
    { name: 'Critical', type: 'integer', jsonPath: '.status.findings.critical', description: 'Critical findings.' },
    { name: 'Bundle', type: 'string', jsonPath: '.status.bundle.id', description: 'Bundle id.', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Age.' },
  ],
};
