import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { loadSops } from '../core/sops/sop-library.js';
import { resolveBundle } from '../core/query/bundle-ref.js';
import { registerConformanceFixtures } from './conformance-fixtures.js';
import { INSTRUCTIONS } from './instructions.js';
import { ResourceSubscriptions } from './resource-subscriptions.js';
import { runTool } from './run-tool.js';
import type { ToolDefinition, ToolDeps } from './tool-definition.js';
import { ALL_TOOLS } from './tools/index.js';

export const SERVER_NAME = 'eks-node-log-mcp';
export const SERVER_VERSION = '0.1.0';

export interface McpServerOptions {
  /** test only: also register the conformance suite's fixtures (see conformance-fixtures.ts) */
  conformanceFixtures?: boolean;
  /**
   * the server belongs to one client session (HTTP session mode): it may keep per-client state, so
   * resources/subscribe is offered (resource-subscriptions.ts)
   */
  session?: boolean;
}

/** One MCP server with every tool, the runbooks as resources, and the triage prompts. */
export function createMcpServer(deps: ToolDeps, tools: readonly ToolDefinition[] = ALL_TOOLS, o: McpServerOptions = {}): McpServer {
  const server = new McpServer({ name: SERVER_NAME, version: SERVER_VERSION }, { instructions: INSTRUCTIONS, capabilities: { logging: {} } });
  for (const t of tools) {
    server.registerTool(
      t.name,
      { title: t.title, description: t.description, inputSchema: t.inputSchema, outputSchema: t.outputSchema, annotations: { title: t.title, ...t.annotations } },
      (args: unknown) => runTool(t, args, deps),
    );
  }
  registerRunbooks(server, deps);
  registerPrompts(server);
  const subscriptions = o.session ? new ResourceSubscriptions(server.server) : undefined;
  if (o.conformanceFixtures) registerConformanceFixtures(server, subscriptions);
  return server;
}

function registerRunbooks(server: McpServer, deps: ToolDeps): void {
  server.registerResource(
    'runbook',
    new ResourceTemplate('sop://{id}', {
      list: async () => ({
        resources: loadSops(deps.sopsDir).map((s) => ({ uri: `sop://${s.id}`, name: s.id, title: s.title, mimeType: 'text/markdown' })),
      }),
    }),
    { title: 'Runbook', description: 'A troubleshooting runbook (Triage, Enrich, Report) for EKS node problems', mimeType: 'text/markdown' },
    async (uri, { id }) => {
      const sop = loadSops(deps.sopsDir).find((s) => s.id === id);
      if (!sop) throw new Error(`no runbook "${String(id)}": list the sop:// resources or call list_sops`);
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: sop.body }] };
    },
  );
  server.registerResource(
    'bundle-manifest',
    new ResourceTemplate('bundle://{node}/{bundleId}/manifest.json', { list: undefined }),
    { title: 'Bundle manifest', description: 'What a node bundle holds and how it was made', mimeType: 'application/json' },
    async (uri, { node, bundleId }) => {
      const ref = await resolveBundle(deps.store, String(node), String(bundleId));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(ref.manifest) }] };
    },
  );
}

function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'triage_node',
    {
      title: 'Triage a node',
      description: 'Guided triage of one node from its newest bundle, grounded in finding ids',
      argsSchema: { node: z.string().describe('node name or EC2 instance id') },
    },
    ({ node }) => ({
      messages: [{
        role: 'user',
        content: {
          type: 'text',
          text: `Triage node ${node}. Call quick_triage with node "${node}", then errors with severity critical and high. ` +
            `For the top hypothesis, read the sample lines it cites and call correlate to check the causal order. ` +
            `Fetch the recommended runbook with get_sop and follow its Triage and Enrich steps. ` +
            `Finish with summarize on the ids you relied on, and state only what resolved ids show.`,
        },
      }],
    }),
  );
  server.registerPrompt(
    'investigate_incident',
    {
      title: 'Investigate an incident window',
      description: 'What happened on a node around a given time, across all of its logs',
      argsSchema: {
        node: z.string().describe('node name or EC2 instance id'),
        incident_time: z.string().describe('RFC 3339 UTC time of the incident, e.g. 2024-03-14T08:40:00Z'),
      },
    },
    ({ node, incident_time }) => ({
      messages: [{
        role: 'user',
        content: {
          type: 'text',
          text: `Investigate node ${node} around ${incident_time}. Call correlate with incident_time "${incident_time}" and window_minutes 15, ` +
            `then errors with the same incident_time. Search for the first error of each cluster, read its surrounding lines, ` +
            `and summarize with the ids you used.`,
        },
      }],
    }),
  );
}
