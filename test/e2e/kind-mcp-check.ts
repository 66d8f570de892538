import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readFile } from 'node:fs/promises';
import type { NodeLogCollection } from '../../operator/resources.js';
import type { McpFindings } from './e2e-cluster.js';

/**
 * The MCP half of scripts/e2e-kind.sh (docs/kind.md): the checks test/e2e/cluster-e2e.test.ts makes
 * through the SDK client, made against the chart's server in a kind cluster (port-forwarded).
 *   node dist/test/e2e/kind-mcp-check.js read   <mcp-url> <token-file> <nlc.json>
 *     the `status` tool answers, and the findings `errors` serves for the bundle the collection's
 *     status names match its counts, total and by severity, and are more than none
 *   node dist/test/e2e/kind-mcp-check.js denied <mcp-url> <token-file> <node>
 *     a tool call with this token is refused with 403
 * Tokens come from a file, never argv (a process list would show them). Exit 1 says what differed.
 */

async function connect(url: string, tokenFile: string): Promise<Client> {
  const token = (await readFile(tokenFile, 'utf8')).trim();
  const client = new Client({ name: 'e2e-kind', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function read(url: string, tokenFile: string, nlcFile: string): Promise<string> {
  const nlc = JSON.parse(await readFile(nlcFile, 'utf8')) as NodeLogCollection;
  const node = nlc.status?.nodeName;
  const bundleId = nlc.status?.bundle?.id;
  const counts = nlc.status?.findings;
  if (nlc.status?.phase !== 'Completed' || !node || !bundleId || !counts) throw new Error(`collection ${nlc.metadata?.name} is not Completed with a bundle and finding counts: ${JSON.stringify(nlc.status)}`);
  const client = await connect(url, tokenFile);
  try {
    const status = await client.callTool({ name: 'status', arguments: { node } });
    if (status.isError) throw new Error(`status tool failed: ${JSON.stringify(status.content)}`);
    const r = await client.callTool({ name: 'errors', arguments: { node, bundleId, whole_bundle: true, page_size: 200 } });
    if (r.isError) throw new Error(`errors tool failed: ${JSON.stringify(r.content)}`);
    const f = r.structuredContent as McpFindings;
    const served = { bundle: f.bundle?.bundleId, total: f.total_matching, ...f.summary };
    const expected = { bundle: bundleId, total: counts.total, critical: counts.critical, high: counts.high, warning: counts.warning, info: counts.info };
    if (JSON.stringify(served) !== JSON.stringify(expected)) throw new Error(`MCP serves ${JSON.stringify(served)}; the collection's status says ${JSON.stringify(expected)}`);
    if (!(f.total_matching > 0)) throw new Error(`bundle ${bundleId} has no findings: the planted ipamd line was not collected`);
    return `MCP read ${f.total_matching} findings of bundle ${bundleId} on ${node}, as the status counts them`;
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function denied(url: string, tokenFile: string, node: string): Promise<string> {
  // the refusal may come at connect or at the call, depending on where the server checks: either counts
  const outcome = await connect(url, tokenFile)
    .then(async (client) => {
      try {
        await client.callTool({ name: 'errors', arguments: { node } });
        return 'allowed';
      } finally {
        await client.close().catch(() => undefined);
      }
    })
    .catch((err: Error) => err.message);
  if (!/403|forbidden/i.test(outcome)) throw new Error(`a token without RBAC was not refused with 403: ${outcome}`);
  return `MCP refused a token without RBAC: ${outcome.slice(0, 200)}`;
}

const [mode, url, tokenFile, arg] = process.argv.slice(2);
const run = mode === 'read' ? read : mode === 'denied' ? denied : undefined;
if (!run || !url || !tokenFile || !arg) {
  console.error('usage: kind-mcp-check.js read <mcp-url> <token-file> <nlc.json> | denied <mcp-url> <token-file> <node>');
  process.exit(2);
}
run(url, tokenFile, arg).then(
  (msg) => console.log(`e2e-kind: ${msg}`),
  (err: unknown) => {
    console.error(`e2e-kind: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
