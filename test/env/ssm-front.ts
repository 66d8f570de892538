import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutomationStore, AwsError, type Timing } from './ssm-automation.js';
import { describeInstanceInformation } from './ssm-instance-info.js';

/**
 * The test-only SSM front for moto — THE one emulated AWS surface (test/README.md, DESIGN.md §10).
 * moto has no Start/Get/StopAutomationExecution or DescribeInstanceInformation; this proxy answers
 * exactly those four on the real JSON 1.1 wire protocol (X-Amz-Target
 * `AmazonSSM.<Op>`, `application/x-amz-json-1.1`, AWS error bodies) and streams every other request
 * to moto untouched, so the product's SDK clients point at one endpoint for all of AWS.
 *
 * Test hooks under /__front/ (never reached by an SDK call):
 *   GET  /__front/stats                     call counts (the operator-restart test asserts one execution)
 *   GET  /__front/automation                every execution: id, document, parameters, client token, status
 *   POST /__front/automation/<id>/status    {status, outputs?, failureMessage?} pins the execution's status
 *   POST /__front/instance/<id>/ping        {pingStatus} overrides DescribeInstanceInformation's PingStatus
 *   POST /__front/reset                     forgets executions, counters and overrides
 */

const MAX_BODY = 1 << 20;
const HANDLED = new Set(['StartAutomationExecution', 'GetAutomationExecution', 'StopAutomationExecution', 'DescribeInstanceInformation']);

export interface SsmFrontOptions {
  motoEndpoint: string;
  /** ms a new execution stays Pending (default 300) */
  pendingMs?: number;
  /** ms it then stays InProgress before Success (default 1500); Infinity: until the status hook ends it */
  inProgressMs?: number;
}

export interface SsmFront {
  endpoint: string;
  stop(): Promise<void>;
}

/** The signing region from the SigV4 Authorization header (`Credential=AKID/date/<region>/ssm/aws4_request`). */
function regionOf(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'us-east-1';
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new AwsError('SerializationException', 'request body too large', 413));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text.length === 0 ? {} : JSON.parse(text));
      } catch {
        reject(new AwsError('SerializationException', 'body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/x-amz-json-1.1'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof AwsError) {
    const status = err.status;
    res.setHeader('x-amzn-errortype', err.code);
    sendJson(res, status, { __type: err.code, message: err.message });
    return;
  }
  sendJson(res, 500, { __type: 'InternalServerError', message: err instanceof Error ? err.message : String(err) });
}

export async function startSsmFront(opts: SsmFrontOptions): Promise<SsmFront> {
  const timing: Timing = { pendingMs: opts.pendingMs ?? 300, inProgressMs: opts.inProgressMs ?? 1500 };
  const store = new AutomationStore(timing);
  const pingOverrides = new Map<string, string>();
  const counts = { getAutomationExecution: 0, describeInstanceInformation: 0, forwarded: 0 };
  const moto = new URL(opts.motoEndpoint);
  const upstreamAgent = new Agent({ keepAlive: true });

  /** Streams the request to moto and moto's answer back, headers and bytes as they are. */
  function forward(req: IncomingMessage, res: ServerResponse): void {
    counts.forwarded++;
    const up = request(
      { host: moto.hostname, port: moto.port, method: req.method, path: req.url, headers: req.rawHeaders, agent: upstreamAgent },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.statusMessage, ur.rawHeaders);
        ur.pipe(res);
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent) sendJson(res, 502, { __type: 'BadGateway', message: `moto: ${err.message}` }, 'application/json');
      else res.destroy(err);
    });
    req.pipe(up);
  }

  async function hook(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === '/__front/stats') {
      sendJson(res, 200, { startAutomationExecution: store.startCalls, stopAutomationExecution: store.stopCalls, executions: store.executions.size, ...counts }, 'application/json');
      return;
    }
    if (req.method === 'GET' && path === '/__front/automation') {
      const list = [...store.executions.values()].map((e) => ({
        id: e.id, documentName: e.documentName, parameters: e.parameters, clientToken: e.clientToken, region: e.region, status: store.status(e).status,
      }));
      sendJson(res, 200, list, 'application/json');
      return;
    }
    if (req.method === 'POST' && path === '/__front/reset') {
      store.reset();
      pingOverrides.clear();
      Object.assign(counts, { getAutomationExecution: 0, describeInstanceInformation: 0, forwarded: 0 });
      sendJson(res, 200, {}, 'application/json');
      return;
    }
    const status = /^\/__front\/automation\/([^/]+)\/status$/.exec(path);
    if (req.method === 'POST' && status) {
      const ex = store.setStatus(decodeURIComponent(status[1]!), await readJson(req));
      sendJson(res, 200, store.describe(ex), 'application/json');
      return;
    }
    const ping = /^\/__front\/instance\/(i-[0-9a-f]+)\/ping$/.exec(path);
    if (req.method === 'POST' && ping) {
      const body = (await readJson(req)) as { pingStatus?: unknown };
      if (!['Online', 'ConnectionLost', 'Inactive'].includes(String(body.pingStatus))) throw new AwsError('ValidationException', 'pingStatus must be Online, ConnectionLost or Inactive');
      pingOverrides.set(ping[1]!, String(body.pingStatus));
      sendJson(res, 200, {}, 'application/json');
      return;
    }
    throw new AwsError('NotFound', `no test hook ${req.method} ${path}`, 404);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://front').pathname;
    if (path.startsWith('/__front/')) return hook(req, res, path);
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : '';
    if (req.method !== 'POST' || !HANDLED.has(op)) return forward(req, res);

    const input = await readJson(req);
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new AwsError('SerializationException', 'body must be a JSON object');
    const body = input as Record<string, unknown>;
    switch (op) {
      case 'StartAutomationExecution':
        return sendJson(res, 200, store.start(body, regionOf(req)));
      case 'GetAutomationExecution':
        counts.getAutomationExecution++;
        return sendJson(res, 200, store.get(body));
      case 'StopAutomationExecution':
        return sendJson(res, 200, store.stop(body));
      default:
        counts.describeInstanceInformation++;
        return sendJson(res, 200, await describeInstanceInformation(body, opts.motoEndpoint, regionOf(req), pingOverrides));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        upstreamAgent.destroy();
        server.close(() => resolve());
      }),
  };
}
