import type { ToolDefinition } from '../tool-definition.js';
import { artifactTool } from './artifact.js';
import { batchCollectTool } from './batch-collect.js';
import { batchStatusTool } from './batch-status.js';
import { clusterHealthTool } from './cluster-health.js';
import { collectTool } from './collect.js';
import { compareNodesTool } from './compare-nodes.js';
import { correlateTool } from './correlate.js';
import { errorsTool } from './errors.js';
import { getSopTool } from './get-sop.js';
import { historyTool } from './history.js';
import { listSopsTool } from './list-sops.js';
import { networkDiagnosticsTool } from './network-diagnostics.js';
import { quickTriageTool } from './quick-triage.js';
import { readTool } from './read.js';
import { searchTool } from './search.js';
import { statusTool } from './status.js';
import { storageDiagnosticsTool } from './storage-diagnostics.js';
import { summarizeTool } from './summarize.js';
import { tcpdumpAnalyzeTool } from './tcpdump-analyze.js';
import { tcpdumpCaptureTool } from './tcpdump-capture.js';
import { validateTool } from './validate.js';

/** Every tool, one line each (STYLE.md 3); the seed's names, so existing agent skills keep working. */
export const ALL_TOOLS = [
  collectTool,
  statusTool,
  validateTool,
  errorsTool,
  readTool,
  searchTool,
  correlateTool,
  artifactTool,
  summarizeTool,
  historyTool,
  quickTriageTool,
  clusterHealthTool,
  compareNodesTool,
  batchCollectTool,
  batchStatusTool,
  networkDiagnosticsTool,
  storageDiagnosticsTool,
  tcpdumpCaptureTool,
  tcpdumpAnalyzeTool,
  listSopsTool,
  getSopTool,
] as unknown as readonly ToolDefinition[];
