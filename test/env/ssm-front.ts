import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutomationStore, AwsError, type Timing } from './ssm-automation.js';
import { CommandOverlay } from './ssm-commands.js';
import { describeInstanceInformation } from './ssm-instance-info.js';

/**
 * The test-only SSM front for moto — THE one emulated AWS surface (test/README.md, DESIGN.md §10).
 * moto has no Start/Get/StopAutomationExecution, DescribeInstanceInformation or CancelCommand; this
 * proxy answers exactly those five on the real JSON 1.1 wire protocol (X-Amz-Target
 * `AmazonSSM.<Op>`, `application/x-amz-json-1.1`, AWS error bodies) and streams every other request
 * to moto untouched, so the product's SDK clients point at one endpoint for all of AWS. The one
 * exception: once a test has held or cancelled a command (ssm-commands.ts), moto's answers to
 * GetCommandInvocation and ListCommands carry that command's status in place of moto's Success.
 *
 * Test hooks under /__front/ (never reached by an SDK call):
 *   GET  /__front/stats                     call counts (the operator-restart test asserts one execution)
 *   GET  /__front/automation                every execution: id, document, parameters, client token, status
 *   POST /__front/automation/<id>/status    {status, outputs?, failureMessage?} pins the execution's status
 *   POST /__front/instance/<id>/ping        {pingStatus} overrides DescribeInstanceInformation's PingStatus
 *   POST /__front/command/<id>/status       {status, region?} holds a moto command at a status (InProgress: running)
 *   POST /__front/reset                     forgets executions, counters and overrides
 */

const MAX_BODY = 1 << 20;
const HANDLED = new Set(['StartAutomationExecution', 'GetAutomationExecution', 'StopAutomationExecution', 'DescribeInstanceInformation', 'CancelCommand']);
/** moto's answers that report a command's status: rewritten only for commands the front holds */
const OVERLAID = new Set(['GetCommandInvocation', 'ListCommands']);

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

function readBody(req: IncomingMessage): Promise<Buffer> {
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
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  try {
    return text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new AwsError('SerializationException', 'body is not JSON');
  }
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
  const commands = new CommandOverlay(opts.motoEndpoint);
  const counts = { getAutomationExecution: 0, describeInstanceInformation: 0, forwarded: 0 };
  const moto = new URL(opts.motoEndpoint);
  const upstreamAgent = new Agent({ keepAlive: true });

  /**
   * Streams the request to moto and moto's answer back, headers and bytes as they are; with `edit`
   * (a body already read), a successful JSON answer goes through it and is re-sent only if it changed.
   */
  function forward(req: IncomingMessage, res: ServerResponse, read?: { body: Buffer; edit: (answer: Record<string, unknown>) => Record<string, unknown> | undefined }): void {
    counts.forwarded++;
    const up = request(
      { host: moto.hostname, port: moto.port, method: req.method, path: req.url, headers: req.rawHeaders, agent: upstreamAgent },
      (ur) => {
        if (!read || ur.statusCode !== 200) {
          res.writeHead(ur.statusCode ?? 502, ur.statusMessage, ur.rawHeaders);
          ur.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => chunks.push(c));
        ur.on('end', () => {
          const raw = Buffer.concat(chunks);
          let edited: Record<string, unknown> | undefined;
          try {
            edited = read.edit(JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
          } catch {
            edited = undefined; // not JSON: moto's answer as it is
          }
          const body = edited ? Buffer.from(JSON.stringify(edited)) : raw;
          const headers = Object.fromEntries(Object.entries(ur.headers).filter(([k]) => k !== 'content-length' && k !== 'transfer-encoding'));
          res.writeHead(200, ur.statusMessage, { ...headers, 'content-length': body.length });
          res.end(body);
        });
        ur.on('error', (err) => res.destroy(err));
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent) sendJson(res, 502, { __type: 'BadGateway', message: `moto: ${err.message}` }, 'application/json');
      else res.destroy(err);
    });
    if (read) up.end(read.body);
    else req.pipe(up);
  }

  async function hook(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === '/__front/stats') {
      sendJson(res, 200, { startAutomationExecution: store.startCalls, stopAutomationExecution: store.stopCalls, executions: store.executions.size, cancelCommand: commands.cancelCalls, ...counts }, 'application/json');
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
      commands.reset();
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
    const command = /^\/__front\/command\/([^/]+)\/status$/.exec(path);
    if (req.method === 'POST' && command) {
      sendJson(res, 200, await commands.pin(decodeURIComponent(command[1]!), await readJson(req)), 'application/json');
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
    if (req.method === 'POST' && OVERLAID.has(op) && commands.active) return forward(req, res, { body: await readBody(req), edit: (a) => commands.rewrite(a) });
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
      case 'CancelCommand':
        return sendJson(res, 200, await commands.cancel(body, regionOf(req)));
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
