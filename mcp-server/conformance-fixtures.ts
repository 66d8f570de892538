// TEST-ONLY FIXTURES. Never registered in production.
//
// The official MCP conformance suite (npm @modelcontextprotocol/conformance) tests a server through
// fixtures its scenarios name: tools such as `test_simple_text` and `test_sampling`, resources such
// as `test://static-text`, prompts such as `test_prompt_with_arguments`, and completions on them.
// A real server has none of these, so without them most scenarios fail for a reason that says
// nothing about the protocol. registerConformanceFixtures() adds them next to our real tools; it is
// called only when the server is started with the hidden `serve --conformance-fixtures` flag (or
// `conformanceFixtures: true` in code), which the conformance test does and nothing else does.
//
// Names and payloads follow the suite's scenario descriptions. Everything uses the SDK's public API.
// Behaviour under our stateless HTTP transport (one McpServer per POST, the default):
//  - notifications during a call (logging, progress) go out with the call's requestId, so the SDK
//    writes them on that POST's SSE stream, before the result: they work;
//  - requests to the client (sampling, elicitation) cannot work: the instance handling tools/call
//    never saw initialize, so it does not know the client's capabilities, and the client's reply
//    would arrive in another POST, i.e. at another instance (or replica) that has no such pending
//    request. The tools say so in an error result instead of sending a request they cannot follow;
//  - resource subscriptions are not offered: there is no stream to send updates on after the POST.
// test/mcp/conformance-baseline.yml lists the scenarios that fail for these reasons.
// In session mode (http-sessions.ts: one McpServer per Mcp-Session-Id) the same fixtures pass them
// all: the server saw the client's initialize (capabilities), the client's reply POST reaches the
// same instance, and `test://watched-resource` changes every second while a session is subscribed,
// each change sent as notifications/resources/updated on the session's GET stream.

import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ElicitRequestFormParams } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ResourceSubscriptions } from './resource-subscriptions.js';

/** A 1x1 PNG (one blue pixel), generated for these fixtures. */
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNQzr8IAAIcAWRKxmItAAAAAElFTkSuQmCC';
/** A WAV file: 8 kHz, mono, 8 bit, eight samples of silence. */
const WAV_SILENCE = 'UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==';

const LOGGER = 'conformance-fixtures';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });
const failure = (t: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text: t }] });
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Completion values for the fixture prompt's arguments: the words that start with what was typed. */
const WORDS = ['paris', 'park', 'party', 'test', 'testing', 'hello', 'world'];
const suggest = (value: string) => WORDS.filter((w) => w.startsWith(value.toLowerCase()));

/** The resource the subscribe scenarios use; it changes every WATCHED_PERIOD_MS while subscribed. */
export const WATCHED_RESOURCE = 'test://watched-resource';
export const WATCHED_PERIOD_MS = 1000;

/** `subscriptions`: given in session mode, where resources/subscribe is offered. */
export function registerConformanceFixtures(server: McpServer, subscriptions?: ResourceSubscriptions): void {
  registerContentTools(server);
  registerNotifyingTools(server);
  registerClientRequestTools(server);
  registerResources(server);
  registerWatchedResource(server, subscriptions);
  registerPrompts(server);
}

function registerContentTools(server: McpServer): void {
  server.registerTool('test_simple_text', { description: 'Conformance fixture: returns one text item' }, async () =>
    text('This is a simple text response for testing.'));
  server.registerTool('test_image_content', { description: 'Conformance fixture: returns one PNG image item' }, async () => ({
    content: [{ type: 'image', data: PNG_1X1, mimeType: 'image/png' }],
  }));
  server.registerTool('test_audio_content', { description: 'Conformance fixture: returns one WAV audio item' }, async () => ({
    content: [{ type: 'audio', data: WAV_SILENCE, mimeType: 'audio/wav' }],
  }));
  server.registerTool('test_embedded_resource', { description: 'Conformance fixture: returns an embedded text resource' }, async () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  server.registerTool('test_multiple_content_types', { description: 'Conformance fixture: returns text, image and resource items' }, async () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG_1X1, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
    ],
  }));
  server.registerTool('test_error_handling', { description: 'Conformance fixture: always fails with a tool error' }, async () => {
    // thrown on purpose: the SDK turns it into a result with isError and this message
    throw new Error('This tool intentionally returns an error for testing');
  });
}

/** Notifications within the call: sent with the call's request id, so on the POST's own SSE stream. */
function registerNotifyingTools(server: McpServer): void {
  server.registerTool('test_tool_with_logging', { description: 'Conformance fixture: sends three info log messages while it runs' }, async (extra) => {
    const steps = ['Tool execution started', 'Tool processing data', 'Tool execution completed'];
    for (const [i, data] of steps.entries()) {
      if (i > 0) await sleep(50);
      await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: LOGGER, data } });
    }
    return text('Tool with logging executed successfully');
  });
  server.registerTool('test_tool_with_progress', { description: 'Conformance fixture: reports progress 0, 50, 100 of 100 when given a progress token' }, async (extra) => {
    const progressToken = extra._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (progress > 0) await sleep(50);
      if (progressToken !== undefined) {
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, total: 100, message: `${progress} of 100` } });
      }
    }
    return text(progressToken === undefined ? 'Done (no progress token given)' : `Done, progress reported for token ${String(progressToken)}`);
  });
}

/**
 * Requests to the client during a call. The SDK's own capability checks decide whether a request
 * may be sent; a server instance that has not seen this client's initialize (every instance of our
 * stateless transport) answers with an error result that says why.
 */
function registerClientRequestTools(server: McpServer): void {
  server.registerTool(
    'test_sampling',
    { description: 'Conformance fixture: asks the client for an LLM completion (sampling/createMessage)', inputSchema: { prompt: z.string().describe('The prompt to send to the LLM') } },
    async ({ prompt }, extra) => {
      if (!server.server.getClientCapabilities()?.sampling) {
        return failure('Sampling is not available: this server instance does not know of a sampling capability of the client ' +
          '(the client did not declare it, or the server is stateless: it does not keep the initialize handshake and could not receive the reply; start it with sessions)');
      }
      try {
        const r = await server.server.createMessage(
          { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
          { relatedRequestId: extra.requestId },
        );
        const content = Array.isArray(r.content) ? r.content[0] : r.content;
        return text(`LLM response: ${content?.type === 'text' ? content.text : JSON.stringify(r.content)}`);
      } catch (err) {
        return failure(`Sampling failed: ${message(err)}`);
      }
    },
  );
  server.registerTool(
    'test_elicitation',
    { description: 'Conformance fixture: asks the user for input through the client (elicitation/create)', inputSchema: { message: z.string().describe('The message to show the user') } },
    async ({ message: msg }, extra) =>
      elicit(server, extra.requestId, {
        message: msg,
        requestedSchema: {
          type: 'object',
          properties: {
            username: { type: 'string', description: "User's response" },
            email: { type: 'string', description: "User's email address" },
          },
          required: ['username', 'email'],
        },
      }, 'User response'),
  );
  server.registerTool('test_elicitation_sep1034_defaults', { description: 'Conformance fixture: elicitation whose fields carry default values (SEP-1034)' }, async (extra) =>
    elicit(server, extra.requestId, {
      message: 'Please review and update the form fields with defaults',
      requestedSchema: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'User name', default: 'John Doe' },
          age: { type: 'integer', description: 'User age', default: 30 },
          score: { type: 'number', description: 'User score', default: 95.5 },
          status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
          verified: { type: 'boolean', description: 'Verification status', default: true },
        },
        required: [],
      },
    }, 'Elicitation completed'));
  server.registerTool('test_elicitation_sep1330_enums', { description: 'Conformance fixture: elicitation with the five enum field variants (SEP-1330)' }, async (extra) =>
    elicit(server, extra.requestId, {
      message: 'Please select options from the enum fields',
      requestedSchema: {
        type: 'object',
        properties: {
          untitledSingle: { type: 'string', description: 'Pick one', enum: ['option1', 'option2', 'option3'] },
          titledSingle: {
            type: 'string',
            description: 'Pick one (titled)',
            oneOf: [{ const: 'value1', title: 'First Option' }, { const: 'value2', title: 'Second Option' }, { const: 'value3', title: 'Third Option' }],
          },
          legacyEnum: { type: 'string', description: 'Pick one (legacy enumNames)', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
          untitledMulti: { type: 'array', description: 'Pick several', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
          titledMulti: {
            type: 'array',
            description: 'Pick several (titled)',
            items: { anyOf: [{ const: 'value1', title: 'First Choice' }, { const: 'value2', title: 'Second Choice' }, { const: 'value3', title: 'Third Choice' }] },
          },
        },
        required: [],
      },
    }, 'Elicitation completed'));
}

async function elicit(server: McpServer, relatedRequestId: string | number, params: Omit<ElicitRequestFormParams, 'mode'>, label: string): Promise<CallToolResult> {
  try {
    // elicitInput refuses (throws) when the client's form elicitation capability is not known
    const r = await server.server.elicitInput({ mode: 'form', ...params }, { relatedRequestId });
    return text(`${label}: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`);
  } catch (err) {
    return failure(`Elicitation is not available: ${message(err)} ` +
      '(the client did not declare it, or the server is stateless: it does not keep the initialize handshake and could not receive the reply; start it with sessions)');
  }
}

function registerResources(server: McpServer): void {
  server.registerResource(
    'static-text',
    'test://static-text',
    { title: 'Static text', description: 'Conformance fixture: a fixed text resource', mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }] }),
  );
  server.registerResource(
    'static-binary',
    'test://static-binary',
    { title: 'Static binary', description: 'Conformance fixture: a fixed PNG image', mimeType: 'image/png' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG_1X1 }] }),
  );
  server.registerResource(
    'template-data',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { title: 'Template data', description: 'Conformance fixture: JSON that echoes the {id} of its URI', mimeType: 'application/json' },
    async (uri, { id }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id: String(id), templateTest: true, data: `Data for ID: ${String(id)}` }) }],
    }),
  );
}

/** Per server, i.e. per session: each session sees its own revisions. */
function registerWatchedResource(server: McpServer, subscriptions: ResourceSubscriptions | undefined): void {
  let revision = 0;
  server.registerResource(
    'watched-resource',
    WATCHED_RESOURCE,
    { title: 'Watched resource', description: 'Conformance fixture: text that changes every second while subscribed (resources/subscribe)', mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `Watched resource content, revision ${revision}` }] }),
  );
  subscriptions?.watch(WATCHED_RESOURCE, (notify) => {
    const timer = setInterval(() => {
      revision += 1;
      // a notification that cannot be sent (stream gone) is the client's loss, not an error here
      notify().catch(() => undefined);
    }, WATCHED_PERIOD_MS);
    timer.unref();
    return () => clearInterval(timer);
  });
}

function registerPrompts(server: McpServer): void {
  server.registerPrompt('test_simple_prompt', { title: 'Simple prompt', description: 'Conformance fixture: a prompt without arguments' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt with arguments',
      description: 'Conformance fixture: a prompt with two required arguments, both completable',
      argsSchema: {
        arg1: completable(z.string().describe('First test argument'), suggest),
        arg2: completable(z.string().describe('Second test argument'), suggest),
      },
    },
    ({ arg1, arg2 }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      title: 'Prompt with embedded resource',
      description: 'Conformance fixture: a prompt that embeds the resource it is given',
      argsSchema: { resourceUri: z.string().describe('URI of the resource to embed') },
    },
    ({ resourceUri }) => ({
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );
  server.registerPrompt('test_prompt_with_image', { title: 'Prompt with image', description: 'Conformance fixture: a prompt that carries an image' }, () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG_1X1, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));
}
