import * as k8s from '@kubernetes/client-node';
import { uploadAccepted } from '../../core/bundle/conditions.js';
import type { NodeLogCollection, PacketCapture } from '../../crds/types.js';
import { apiStatus } from '../kube/kube-client.js';

const GROUP = 'eksnodelog.io';
const VERSION = 'v1alpha1';
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

type Plural = 'nodelogcollections' | 'packetcaptures';
type ByPlural = { nodelogcollections: NodeLogCollection; packetcaptures: PacketCapture };

/** The hub's reads and status writes of the two custom resources (its only adapter to them). */
export class CustomResources {
  constructor(private readonly custom: k8s.CustomObjectsApi) {}

  /** The resource, or undefined when it does not exist (NotFound is an answer, not an error). */
  async get<P extends Plural>(plural: P, namespace: string, name: string): Promise<ByPlural[P] | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, name })) as ByPlural[P];
    } catch (err) {
      if (apiStatus(err) === 404) return undefined;
      throw err;
    }
  }

  /** JSON merge patch of the status subresource: sets the fields given, keeps the operator's others. */
  async patchStatus(plural: Plural, namespace: string, name: string, status: object): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural, namespace, name, body: { status } }, MERGE);
  }

  /**
   * Completes a resource: the terminal status plus `Uploaded=True`, in one write. The conditions list
   * is read fresh just before (a merge patch replaces the whole list) so the operator's and the
   * agent's other conditions survive.
   */
  async complete(plural: Plural, namespace: string, name: string, status: object, now: Date): Promise<void> {
    const fresh = await this.get(plural, namespace, name);
    const conditions = uploadAccepted(fresh?.status?.conditions, fresh?.metadata?.generation, now);
    await this.patchStatus(plural, namespace, name, { ...status, conditions });
  }
}
