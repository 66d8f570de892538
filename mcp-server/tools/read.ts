import { z } from 'zod';
import { resolveBundle, UnknownBundleError } from '../../core/query/bundle-ref.js';
import { MAX_LINE_CHARS, READ_DEFAULT_BYTES, READ_MAX_BYTES, ReadError, readBytes, readLines } from '../../core/query/read-file.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';
import { bundleIdField, bundleInfo, bundleOutput, nodeField } from './common-fields.js';

export const readTool = defineTool({
  name: 'read',
  title: 'Read lines of a bundle file',
  description:
    "Returns lines of one text file of a node's bundle, by line range (1-based; negative numbers count from the end) or from a byte offset aligned to whole lines, at most max_bytes per call with a next hint to page on. " +
    'Use it to see the lines around a finding sample or search hit (its path and line), or to page through a log; it costs the same near the end of a large file as at its start.',
  inputSchema: {
    node: nodeField,
    bundleId: bundleIdField,
    path: z.string().min(1).max(1024).describe("file path inside the bundle exactly as the bundle lists it, e.g. kubelet/kubelet.log (not a store key; '..' and absolute paths are refused)"),
    line_start: z.number().int().optional().describe('first line to return, 1-based; negative counts from the end (-100 = the 100th line from the end); default 1'),
    line_end: z.number().int().optional().describe('last line to return, inclusive; negative counts from the end (-1 = last line); default: as many lines as max_bytes allows'),
    byte_start: z.number().int().min(0).optional().describe(
      'read from this byte offset instead of by line (e.g. a search hit byteOffset): moved back to the start of its line (at most 64 KiB back); not together with line_start/line_end; not for .gz members',
    ),
    max_bytes: z.number().int().min(1).optional().describe(
      `most bytes of text to return, in bytes (default ${READ_DEFAULT_BYTES} = 64 KiB, at most ${READ_MAX_BYTES} = 1 MiB; larger values are clamped); lines longer than ${MAX_LINE_CHARS} characters are cut`,
    ),
  },
  outputSchema: {
    bundle: bundleOutput,
    path: z.string(),
    kind: z.string().describe('text, or gzip-text for a compressed rotated log (decompressed from its start)'),
    file_bytes: z.number().int().describe('size of the file in bytes (decompressed for gzip-text)'),
    file_lines: z.number().int().nullable().describe('lines in the file, when known'),
    start_line: z.number().int().nullable().describe('number of the first returned line; null when a byte read could not place it'),
    end_line: z.number().int().nullable().describe('number of the last returned line; null when unknown'),
    start_byte: z.number().int().describe('byte offset of the first returned line'),
    end_byte: z.number().int().describe('byte offset just after the last returned line'),
    lines: z.array(z.object({
      line: z.number().int().nullable().describe('1-based line number, null when unknown'),
      text: z.string(),
      cut: z.boolean().describe(`the line is longer than ${MAX_LINE_CHARS} characters and was cut`),
    })),
    returned_bytes: z.number().int(),
    max_bytes_applied: z.number().int().describe('the byte cap used for this call'),
    max_bytes_clamped: z.boolean().describe('max_bytes was above the 1 MiB cap and was lowered to it'),
    truncated: z.boolean().describe('the byte cap cut the requested range short: call again with next'),
    lines_cut: z.number().int().describe('returned lines cut at the per-line limit'),
    next: z.object({
      line_start: z.number().int().optional(),
      byte_start: z.number().int().optional(),
    }).nullable().describe('arguments for the call that continues after this one; null at the end of the file'),
    notes: z.array(z.string()).describe('what was adjusted and why'),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    if (a.byte_start !== undefined && (a.line_start !== undefined || a.line_end !== undefined)) {
      throw new ToolError('give either byte_start, or line_start/line_end, not both');
    }
    try {
      const ref = await resolveBundle(deps.store, a.node, a.bundleId);
      const r = a.byte_start !== undefined
        ? await readBytes(deps.store, ref, a.path, { start: a.byte_start, length: a.max_bytes })
        : await readLines(deps.store, ref, a.path, { startLine: a.line_start, endLine: a.line_end, maxBytes: a.max_bytes });
      return {
        bundle: bundleInfo(ref), path: r.path, kind: r.kind, file_bytes: r.fileBytes, file_lines: r.fileLines,
        start_line: r.startLine, end_line: r.endLine, start_byte: r.startByte, end_byte: r.endByte, lines: r.lines,
        returned_bytes: r.returnedBytes, max_bytes_applied: r.maxBytes, max_bytes_clamped: r.maxBytesClamped,
        truncated: r.truncated, lines_cut: r.linesCut, next: r.next, notes: r.notes,
      };
    } catch (err) {
      if (err instanceof ReadError || err instanceof UnknownBundleError) throw new ToolError(err.message);
      throw err;
    }
  },
});
