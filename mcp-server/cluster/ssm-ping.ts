import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SsmPingResult, SsmPingStatus } from './cluster-port.js';
import { perRegion } from '../../core/util/per-region.js';

/** DescribeInstanceInformation takes at most 50 ids per filter value list and 50 results per page. */
const BATCH = 50;
const KNOWN: ReadonlySet<string> = new Set(['Online', 'ConnectionLost', 'Inactive']);

export interface SsmPingOptions {
  /** endpoint override (tests: moto behind the SSM front) */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Whether each node's SSM agent is reachable (PingStatus), so cluster_health can say which NotReady
 * nodes SSM can still collect from — the only way into a node whose kubelet is dead (DESIGN.md §7).
 * An instance SSM does not list is NotRegistered (no agent, or no instance profile permission).
 */
export class SsmPing {
  /** one SDK client per region (the node's region comes from its providerID) */
  private readonly clients = perRegion((region) => new SSMClient({ region, endpoint: this.o.endpoint, credentials: this.o.credentials, maxAttempts: 3 }));

  constructor(private readonly o: SsmPingOptions = {}) {}


  async ping(targets: Array<{ instanceId: string; region: string }>): Promise<Map<string, SsmPingResult>> {
    const byRegion = new Map<string, string[]>();
    for (const t of targets) byRegion.set(t.region, [...(byRegion.get(t.region) ?? []), t.instanceId]);
    const out = new Map<string, SsmPingResult>();
    for (const [region, ids] of byRegion) {
      for (let i = 0; i < ids.length; i += BATCH) {
        const chunk = ids.slice(i, i + BATCH);
        let token: string | undefined;
        do {
          const r = await this.clients(region).send(new DescribeInstanceInformationCommand({
            Filters: [{ Key: 'InstanceIds', Values: chunk }], MaxResults: BATCH, NextToken: token,
          }));
          for (const info of r.InstanceInformationList ?? []) {
            if (!info.InstanceId) continue;
            const status = (KNOWN.has(info.PingStatus ?? '') ? info.PingStatus : 'Inactive') as SsmPingStatus;
            out.set(info.InstanceId, { status, lastPingAt: info.LastPingDateTime ? info.LastPingDateTime.toISOString() : null });
          }
          token = r.NextToken;
        } while (token);
        for (const id of chunk) if (!out.has(id)) out.set(id, { status: 'NotRegistered', lastPingAt: null });
      }
    }
    return out;
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
  }
}
