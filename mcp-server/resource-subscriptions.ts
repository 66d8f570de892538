import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/** A session subscribing to more URIs than this is refused: the set lives in memory for the session. */
export const MAX_SUBSCRIPTIONS = 256;

/** Starts watching a resource for changes; `notify` sends the update, the returned function stops watching. */
export type ResourceWatcher = (notify: () => Promise<void>) => () => void;

/**
 * resources/subscribe for one session (session mode: one McpServer per client session, so the
 * set below is that client's). Offered only in session mode: a stateless server has no stream to
 * send notifications/resources/updated on after the POST and nowhere to keep the set.
 *
 * Our own resources (runbooks, bundle manifests) never change once served, so subscribing to them
 * is accepted and simply never notified. A resource that does change registers a watcher: it runs
 * while the session is subscribed to that URI and stops on unsubscribe or when the session closes.
 */
export class ResourceSubscriptions {
  private readonly uris = new Set<string>();
  private readonly watchers = new Map<string, ResourceWatcher>();
  private readonly stops = new Map<string, () => void>();

  constructor(private readonly server: Server) {
    server.registerCapabilities({ resources: { subscribe: true } });
    server.setRequestHandler(SubscribeRequestSchema, (req) => {
      this.add(req.params.uri);
      return {};
    });
    server.setRequestHandler(UnsubscribeRequestSchema, (req) => {
      this.remove(req.params.uri);
      return {};
    });
    const previous = server.onclose;
    server.onclose = () => {
      previous?.();
      for (const uri of [...this.uris]) this.remove(uri);
    };
  }

  /** Declares that `uri` can change: `watch` runs while the session is subscribed to it. */
  watch(uri: string, watch: ResourceWatcher): void {
    this.watchers.set(uri, watch);
  }

  has(uri: string): boolean {
    return this.uris.has(uri);
  }

  private add(uri: string): void {
    if (this.uris.has(uri)) return;
    if (this.uris.size >= MAX_SUBSCRIPTIONS) {
      throw new McpError(ErrorCode.InvalidParams, `too many subscriptions: a session may watch at most ${MAX_SUBSCRIPTIONS} resources; unsubscribe from some first`);
    }
    this.uris.add(uri);
    const watch = this.watchers.get(uri);
    if (watch) this.stops.set(uri, watch(() => this.notify(uri)));
  }

  private remove(uri: string): void {
    this.uris.delete(uri);
    this.stops.get(uri)?.();
    this.stops.delete(uri);
  }

  private async notify(uri: string): Promise<void> {
    if (this.uris.has(uri)) await this.server.sendResourceUpdated({ uri });
  }
}
