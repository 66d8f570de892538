/**
 * The typed source both CRDs are written in (DESIGN.md §7). A definition here is the ONE source of
 * truth: `gen-crds.ts` renders the CRD YAML and the TypeScript interfaces from it, and
 * `spec-parser.ts` builds the zod parser from it at run time, so the three cannot drift apart.
 *
 * Only the subset of OpenAPI v3 that structural schemas allow is modelled, so the compiler rejects
 * what the API server would.
 */

/** A CEL rule as the API server evaluates it, plus a TypeScript mirror for the zod parser. */
export interface CelRule {
  rule: string;
  message: string;
  /** e.g. `.nodeName`: where the API server reports the error. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /**
   * The same rule in TypeScript, over the already-defaulted value. Absent only for transition rules
   * (`oldSelf`), which need the stored object and so only the API server can check.
   */
  mirror?: (self: never) => boolean;
}

export interface SchemaProps {
  /** Name of the generated TypeScript interface for this object (not rendered into the CRD). */
  tsName?: string;
  type?: 'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array';
  description: string;
  format?: 'date-time' | 'int32' | 'int64';
  enum?: readonly string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  properties?: Record<string, SchemaProps>;
  required?: readonly string[];
  items?: SchemaProps;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: readonly string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: readonly CelRule[];
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'number';
  jsonPath: string;
  description: string;
  priority?: number;
}

export interface CrdDefinition {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  categories: readonly string[];
  description: string;
  spec: SchemaProps;
  status: SchemaProps;
  printerColumns: readonly PrinterColumn[];
}

export const GROUP = 'eksnodelog.io';
export const VERSION = 'v1alpha1';
export const CATEGORY = 'eksnodelog';

// --- shared fragments ------------------------------------------------------------------------

export const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const INSTANCE_ID = '^i-[0-9a-f]{8,17}$';
/** A Go duration restricted to h/m/s parts in that order (`2h`, `30m`, `1h30m`), so CEL `duration()` accepts it. */
export const DURATION = '^([0-9]{1,4}h)?([0-9]{1,6}m)?([0-9]{1,7}s)?$';

export const METHODS = ['auto', 'agent', 'job', 'ssm'] as const;
export const PHASES = ['Pending', 'Collecting', 'Ingesting', 'Completed', 'Failed'] as const;

export function nodeNameField(what: string): SchemaProps {
  return {
    type: 'string',
    description: `Name of the Kubernetes Node ${what} (a DNS-1123 subdomain).`,
    minLength: 1,
    maxLength: 253,
    pattern: DNS1123_SUBDOMAIN,
  };
}

export function durationField(description: string, extra: Partial<SchemaProps> = {}): SchemaProps {
  return { type: 'string', description, minLength: 2, maxLength: 16, pattern: DURATION, ...extra };
}

export function count(description: string): SchemaProps {
  return { type: 'integer', format: 'int64', minimum: 0, description };
}

export function text(description: string, maxLength: number): SchemaProps {
  return { type: 'string', description, maxLength };
}

/** metav1.Condition exactly as apimachinery declares it, so standard tooling (kubectl wait) reads it. */
export const CONDITIONS: SchemaProps = {
  type: 'array',
  description: 'Latest observations of the resource state (Ready, plus the step that failed), in the metav1.Condition shape.',
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  items: {
    type: 'object',
    tsName: 'Condition',
    description: 'One condition of the resource, as metav1.Condition.',
    required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
    properties: {
      type: {
        type: 'string',
        description: 'Type of condition in CamelCase, e.g. Ready.',
        maxLength: 316,
        pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      },
      status: { type: 'string', description: 'Status of the condition.', enum: ['True', 'False', 'Unknown'] },
      observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'metadata.generation the condition was set for.' },
      lastTransitionTime: { type: 'string', format: 'date-time', description: 'Last time the condition changed status.' },
      reason: {
        type: 'string',
        description: 'Programmatic CamelCase reason for the last transition.',
        minLength: 1,
        maxLength: 1024,
        pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      },
      message: { type: 'string', description: 'Human-readable detail of the transition.', maxLength: 32768 },
    },
  },
};

/** Status fields both kinds share: the reconciler's bookkeeping. */
export function commonStatus(kind: string): Record<string, SchemaProps> {
  return {
    phase: { type: 'string', description: `Where the ${kind} is in its life: Pending → Collecting → Ingesting → Completed, or Failed.`, enum: PHASES },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'metadata.generation the operator last reconciled.' },
    conditions: CONDITIONS,
    method: { type: 'string', description: 'The method actually used (auto resolves to one of these).', enum: ['agent', 'job', 'ssm'] },
    nodeName: { type: 'string', description: 'The Kubernetes node the work runs on, as resolved by the operator (from spec.nodeName, spec.instanceId or the pod); the node agent picks up work by this field.', maxLength: 253 },
    instanceId: { type: 'string', description: 'EC2 instance id of the node, from its providerID or the spec.', maxLength: 19, pattern: INSTANCE_ID },
    region: { type: 'string', description: "AWS region of the node, from its providerID.", maxLength: 32, pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$' },
    startTime: { type: 'string', format: 'date-time', description: 'When the operator started the work.' },
    completionTime: { type: 'string', format: 'date-time', description: 'When the resource reached Completed or Failed.' },
    message: text('Human-readable summary of the current phase, or why it failed.', 4096),
    attempts: { type: 'integer', format: 'int32', minimum: 0, maximum: 1000, description: 'How many times the operator started the collection (retries after transient failures).' },
  };
}
