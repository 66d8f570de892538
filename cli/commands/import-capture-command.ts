import { resolve } from 'node:path';
import { PcapFormatError } from '../../core/pcap/analyze.js';
import { captureAnalysis, importCapture, UnknownCaptureError } from '../../core/query/captures.js';
import { FsBundleStore } from '../../core/store/fs-store.js';

/** `import-capture <file> --node N`: files a pcap/pcapng under the node and analyses it once. */
export async function runImportCapture(file: string, o: { node: string; store: string }): Promise<number> {
  const store = new FsBundleStore(resolve(o.store));
  try {
    const id = await importCapture(store, o.node, resolve(file));
    const { analysis } = await captureAnalysis(store, o.node, id);
    process.stdout.write(`capture ${o.node}/${id}: ${analysis.packets} packets, ${analysis.undecodable} undecodable, ${analysis.anomalies.length} anomalies (call tcpdump_analyze)\n`);
    return 0;
  } catch (err) {
    if (err instanceof UnknownCaptureError || err instanceof PcapFormatError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
