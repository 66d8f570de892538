import { z } from 'zod';
import { resolveBundle } from '../../core/query/bundle-ref.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';
import { bundleIdField, bundleInfo, bundleOutput, nodeField } from './common-fields.js';

const MAX_INLINE = 256 * 1024;

export const artifactTool = defineTool({
  name: 'artifact',
  title: 'Get a bundle file',
  description:
    'Returns one file of a bundle with its metadata (size, sha256, lines, first/last timestamp), and its content when it is a small text file (configs, JSON introspection). ' +
    'Use it for whole config or state files such as kubelet/config.json or ipamd/enis.json; use read for ranges of large logs.',
  inputSchema: {
    node: nodeField,
    bundleId: bundleIdField,
    path: z.string().min(1).max(1000).describe('bundle-relative path as listed by validate or the manifest, e.g. kubelet/config.json'),
    include_content: z.boolean().optional().describe(`return the content when the file is text and at most ${MAX_INLINE / 1024} KiB (default true)`),
  },
  outputSchema: {
    bundle: bundleOutput,
    path: z.string(),
    size: z.number(),
    sha256: z.string(),
    kind: z.string().describe('text, gzip-text or binary'),
    lines: z.number().int().nullable(),
    firstTimestamp: z.string().nullable(),
    lastTimestamp: z.string().nullable(),
    content: z.string().nullable().describe('the file, when small enough and text'),
    content_omitted_reason: z.string().nullable(),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    const ref = await resolveBundle(deps.store, a.node, a.bundleId);
    // only paths the manifest lists: never a key outside this bundle
    const f = ref.manifest.files.find((x) => x.path === a.path);
    if (!f) {
      const near = ref.manifest.files.map((x) => x.path).filter((p) => p.includes(a.path.split('/').pop() ?? a.path)).slice(0, 10);
      throw new ToolError(`no file "${a.path.slice(0, 200)}" in bundle ${ref.node}/${ref.bundleId}${near.length ? `; similar: ${near.join(', ')}` : '; call validate to list what it holds'}`);
    }
    let content: string | null = null;
    let reason: string | null = null;
    if (a.include_content === false) reason = 'not requested';
    else if (f.kind !== 'text') reason = `${f.kind} file: use read for gzip-text, nothing for binary`;
    else if (f.size > MAX_INLINE) reason = `larger than ${MAX_INLINE / 1024} KiB: use read with a line range`;
    else content = (await deps.store.getBuffer(ref.keys.file(f.path))).toString('utf8');
    return {
      bundle: bundleInfo(ref), path: f.path, size: f.size, sha256: f.sha256, kind: f.kind, lines: f.lines,
      firstTimestamp: f.firstTimestamp, lastTimestamp: f.lastTimestamp, content, content_omitted_reason: reason,
    };
  },
});
