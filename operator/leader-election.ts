import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewEverySeconds: number;
  now?: () => number;
}

const micro = (ms: number) => new k8s.V1MicroTime(ms);

/**
 * Lease-based leader election (coordination.k8s.io/v1), the protocol client-go uses: take the lease
 * when it is free or expired, renew it before it expires, and write with the lease's resourceVersion
 * so two replicas can never both win (the loser gets 409 Conflict). When renewal fails past the
 * lease duration, `onLost` runs; the caller exits, and Kubernetes restarts the replica as a standby.
 */
export class LeaderElector {
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private stopped = false;
  /** cuts a standby's wait between attempts short, so stop() ends the acquire loop at once */
  private wake: (() => void) | undefined;
  private lastRenew = 0;
  private readonly now: () => number;

  constructor(
    private readonly api: k8s.CoordinationV1Api,
    private readonly o: LeaderElectionOptions,
    private readonly log: Logger,
  ) {
    this.now = o.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Resolves true once this replica leads (and keeps renewing afterwards), or false when stop() came
   * first: a standby being shut down must not go on polling the lease, nor take it on its way out.
   */
  async run(onLost: () => void): Promise<boolean> {
    this.stopped = false;
    for (;;) {
      const acquired = await this.tryAcquireOrRenew();
      if (this.stopped) {
        if (acquired) {
          // stop() arrived while this attempt was in flight: hand back what it just took
          this.leading = true;
          await this.release();
        }
        return false;
      }
      if (acquired) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.o.renewEverySeconds * 1000);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
    this.leading = true;
    this.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, 'Became leader');
    this.timer = setInterval(() => {
      void this.tryAcquireOrRenew().then((ok) => {
        if (ok) return;
        if (this.now() - this.lastRenew > this.o.leaseDurationSeconds * 1000) {
          this.leading = false;
          this.stop();
          this.log.warn('Lost the leader lease');
          onLost();
        }
      });
    }, this.o.renewEverySeconds * 1000);
    this.timer.unref();
    return true;
  }

  /** Stops renewing (a leader) or trying (a standby); the lease is left as it is (see release). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Gives the lease up (on clean shutdown) so a standby takes over at once, not after expiry. */
  async release(): Promise<void> {
    this.stop();
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      lease.spec.holderIdentity = undefined;
      lease.spec.leaseDurationSeconds = 1;
      await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
    } catch (err) {
      this.log.debug({ err }, 'Lease release failed');
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.o;
    const now = this.now();
    try {
      let lease: k8s.V1Lease;
      try {
        lease = await this.api.readNamespacedLease({ name, namespace });
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
        await this.api.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: micro(now), renewTime: micro(now), leaseTransitions: 0 } },
        });
        this.lastRenew = now;
        return true;
      }
      const spec = lease.spec ?? {};
      const renewed = spec.renewTime ? new Date(spec.renewTime as unknown as string).getTime() : 0;
      const expired = !spec.holderIdentity || renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < now;
      if (spec.holderIdentity !== identity && !expired) return false;
      const transition = spec.holderIdentity !== identity;
      lease.spec = {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        renewTime: micro(now),
        acquireTime: transition ? micro(now) : spec.acquireTime,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (transition ? 1 : 0),
      };
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
      this.lastRenew = now;
      return true;
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'Lease acquire/renew failed');
      return false;
    }
  }
}
