import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from './server.js';
import type { ToolDeps } from './tool-definition.js';

/** MCP over stdio: stdout belongs to the protocol, so logs must go to stderr (the CLI's logger does). */
export async function startStdio(deps: ToolDeps): Promise<void> {
  const server = createMcpServer(deps);
  await server.connect(new StdioServerTransport());
}
