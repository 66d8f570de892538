import { z } from 'zod';
import { resolveBundle, UnknownBundleError } from '../../core/query/bundle-ref.js';
import { loadResults, saveResults } from '../../core/query/result-cache.js';
import { HIT_TEXT_CHARS, MAX_PATTERN_CHARS, SEARCH_CAPS, SearchError, searchBundle } from '../../core/query/search.js';
import { resolveWindow, WindowError } from '../../core/query/time-window.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';
import { bundleIdField, bundleInfo, bundleOutput, nodeField, windowFields } from './common-fields.js';

const hitOut = z.object({
  id: z.string().describe('S-NNN, numbered in discovery order within this call (files in path order, then line order)'),
  path: z.string(),
  line: z.number().int().describe('1-based line number: read with line_start'),
  byteOffset: z.number().int().describe('offset of the line in the file (decompressed for .gz members): read with byte_start'),
  timestamp: z.string().nullable().describe("the line's own time, UTC; null when it has none"),
  text: z.string().describe(`the line, at most ${HIT_TEXT_CHARS} characters`),
  textCut: z.boolean().describe(`the line is longer than ${HIT_TEXT_CHARS} characters`),
  before: z.array(z.string()).describe('context lines before the hit, oldest first'),
  after: z.array(z.string()).describe('context lines after the hit'),
});

export const searchTool = defineTool({
  name: 'search',
  title: 'Search bundle files',
  description:
    "Searches the text files of a node's bundle line by line for an RE2 regular expression (a plain string works as a literal) and returns the matching lines as S-NNN hits with path, line, byte offset, timestamp and optional context, plus what was searched. " +
    'Use it to find lines no finding covers or to see every occurrence of a message; then read a hit by path and line. ' +
    'With no start_time/end_time/incident_time it searches the whole bundle (resolution_reason "bundle"); with them, lines whose own timestamp is outside the window are skipped and counted in excluded_by_window, and lines without a timestamp are kept.',
  inputSchema: {
    node: nodeField,
    bundleId: bundleIdField,
    pattern: z.string().min(1).describe(
      `RE2 regular expression, matched against each line (at most ${MAX_PATTERN_CHARS} characters; no backreferences or lookaround; escape ( ) [ ] { } . * + ? | \\ to match them literally)`,
    ),
    ignore_case: z.boolean().optional().describe('match letters regardless of case (default false)'),
    file_glob: z.string().min(1).max(512).optional().describe('only files whose bundle path matches this glob, e.g. "var_log/aws-routed-eni/*"; a glob without "/" matches file names, e.g. "*.log" (default: every text file)'),
    context_lines: z.number().int().min(0).optional().describe(`lines of context before and after each hit, in lines (default 0, at most ${SEARCH_CAPS.contextLines}; larger values are clamped)`),
    max_per_file: z.number().int().min(1).optional().describe(`most hits from one file, in hits (default 20, at most ${SEARCH_CAPS.maxPerFile}; larger values are clamped); a file that reaches it is listed in coverage.perFileCapHits`),
    max_results: z.number().int().min(1).optional().describe(`most hits in total (default 100, at most ${SEARCH_CAPS.maxTotal}; larger values are clamped)`),
    ...windowFields,
  },
  outputSchema: {
    bundle: bundleOutput,
    hits: z.array(hitOut),
    returned: z.number().int(),
    truncated: z.boolean().describe('a cap stopped the search: more hits exist; narrow the pattern, file_glob or window, or raise the caps'),
    coverage: z.object({
      filesSearched: z.number().int(),
      filesSkippedBinary: z.number().int(),
      filesSkippedGlob: z.number().int(),
      filesNotReached: z.number().int().describe('text files not opened because max_results was reached first'),
      bytesSearched: z.number().int(),
      bytesTotal: z.number().int().describe('all bytes of the bundle (decompressed for .gz members)'),
      perFileCapHits: z.array(z.string()).describe('files whose search stopped at max_per_file'),
      overlongLines: z.number().int().describe('lines over 1 MiB, searched in 1 MiB pieces (a match across a cut is missed)'),
    }),
    limits: z.object({
      context_lines: z.number().int(),
      max_per_file: z.number().int(),
      max_results: z.number().int(),
    }).describe('the caps applied'),
    clamped: z.array(z.string()).describe('inputs lowered to their caps'),
    window_start_utc: z.string().describe('start of the window applied, or "bundle" when the whole bundle was searched'),
    window_end_utc: z.string().describe('end of the window applied, or "bundle"'),
    resolution_reason: z.string().describe('bundle (no window given: every line) | explicit | incident_time'),
    excluded_by_window: z.number().int().describe('matching lines skipped because their own timestamp is outside the window'),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    try {
      const ref = await resolveBundle(deps.store, a.node, a.bundleId);
      const collectedMs = Date.parse(ref.manifest.collectedAt);
      const windowed = a.start_time !== undefined || a.end_time !== undefined || a.incident_time !== undefined;
      if (!windowed && a.window_minutes !== undefined) throw new ToolError('window_minutes needs incident_time: give both, or neither to search the whole bundle');
      const w = windowed ? resolveWindow(a, collectedMs) : undefined;
      // S- ids continue after this bundle's earlier searches, and every hit is kept so that
      // summarize can resolve the ids an agent got from any earlier call
      const earlier = await loadResults(deps.store, ref, 'search');
      const firstId = 1 + Math.max(0, ...[...earlier.keys()].map((id) => Number(/^S-(\d+)$/.exec(id)?.[1] ?? 0)));
      const r = await searchBundle(deps.store, ref, {
        pattern: a.pattern, ignoreCase: a.ignore_case ?? false, fileGlob: a.file_glob, window: w,
        contextLines: a.context_lines, maxPerFile: a.max_per_file, maxTotal: a.max_results, referenceMs: collectedMs, firstId,
      });
      await saveResults(deps.store, ref, 'search', r.hits.map((h) => ({
        id: h.id, summary: `search ${JSON.stringify(a.pattern.slice(0, 80))} hit in ${h.path}`,
        path: h.path, line: h.line, t: h.timestamp, text: h.text,
      })));
      return {
        bundle: bundleInfo(ref), hits: r.hits, returned: r.hits.length, truncated: r.truncated, coverage: r.coverage,
        limits: { context_lines: r.limits.contextLines, max_per_file: r.limits.maxPerFile, max_results: r.limits.maxTotal },
        clamped: r.limits.clamped,
        window_start_utc: w?.window_start_utc ?? 'bundle', window_end_utc: w?.window_end_utc ?? 'bundle',
        resolution_reason: w?.resolution_reason ?? 'bundle', excluded_by_window: r.excludedByWindow,
      };
    } catch (err) {
      if (err instanceof SearchError || err instanceof WindowError || err instanceof UnknownBundleError) throw new ToolError(err.message);
      throw err;
    }
  },
});
