import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The operator's Prometheus metrics, on its own registry (one per process, injected). */
export function createOperatorMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry, prefix: 'enlm_operator_' });
  return {
    registry,
    reconciles: new Counter({ name: 'enlm_operator_reconciles_total', help: 'Reconciles by kind and result', labelNames: ['kind', 'result'], registers: [registry] }),
    reconcileSeconds: new Histogram({ name: 'enlm_operator_reconcile_duration_seconds', help: 'Reconcile duration', labelNames: ['kind'], buckets: [0.005, 0.02, 0.1, 0.5, 2, 10], registers: [registry] }),
    apiRequests: new Counter({ name: 'enlm_operator_api_requests_total', help: 'Kubernetes API requests sent by the reconcilers', labelNames: ['verb'], registers: [registry] }),
    queueDepth: new Gauge({ name: 'enlm_operator_queue_depth', help: 'Keys waiting in the work queue', labelNames: ['kind'], registers: [registry] }),
    phases: new Counter({ name: 'enlm_operator_phase_transitions_total', help: 'Status phase transitions', labelNames: ['kind', 'phase'], registers: [registry] }),
    isLeader: new Gauge({ name: 'enlm_operator_leader', help: '1 while this replica holds the lease', registers: [registry] }),
    ssmExecutions: new Counter({ name: 'enlm_operator_ssm_executions_started_total', help: 'StartAutomationExecution/SendCommand calls', labelNames: ['api'], registers: [registry] }),
  };
}
export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;
