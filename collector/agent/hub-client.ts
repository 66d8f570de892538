import type { Logger } from 'pino';
import { completeCaptureUpload, uploadBundle, uploadCaptureChunk } from '../upload.js';

export type OnRetry = (attempt: number, reason: string) => void | Promise<void>;

/** What the agent sends to the hub (DESIGN.md §7): bundles, capture chunks, and "capture complete". */
export interface HubClient {
  uploadBundle(namespace: string, name: string, archivePath: string, onRetry: OnRetry): Promise<void>;
  uploadCaptureChunk(namespace: string, name: string, seq: number, path: string, onRetry: OnRetry): Promise<void>;
  completeCapture(namespace: string, name: string, summary: { packets: number; bytes: number; chunks: number; stoppedBy: string }): Promise<void>;
}

export interface HttpHubOptions {
  hubUrl: string;
  /** the projected, audience-bound service account token (re-read at every attempt) */
  tokenPath: string;
  log: Logger;
  /** attempts per call; a hub outage of several minutes is ridden out (backoff caps at 60 s) */
  maxAttempts?: number;
  baseDelayMs?: number;
  ca?: string | Buffer;
}

/** The hub over HTTP, through collector/upload.ts's retrying requests. */
export class HttpHubClient implements HubClient {
  constructor(private readonly o: HttpHubOptions) {}

  private get common() {
    return { hubUrl: this.o.hubUrl, tokenPath: this.o.tokenPath, log: this.o.log, maxAttempts: this.o.maxAttempts ?? 12, baseDelayMs: this.o.baseDelayMs, ca: this.o.ca };
  }

  async uploadBundle(namespace: string, name: string, archivePath: string, onRetry: OnRetry): Promise<void> {
    await uploadBundle({ ...this.common, namespace, collectionName: name, archivePath, onRetry });
  }

  async uploadCaptureChunk(namespace: string, name: string, seq: number, path: string, onRetry: OnRetry): Promise<void> {
    await uploadCaptureChunk({ ...this.common, namespace, captureName: name, seq, path, onRetry });
  }

  async completeCapture(namespace: string, name: string, summary: { packets: number; chunks: number; stoppedBy: string }): Promise<void> {
    this.o.log.info({ capture: `${namespace}/${name}`, ...summary }, 'Capture finished; asking the hub to analyse it');
    await completeCaptureUpload({ ...this.common, namespace, captureName: name });
  }
}
