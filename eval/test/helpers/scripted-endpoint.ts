// A small OpenAI-compatible endpoint on 127.0.0.1 for runner tests that need failures on cue
// (answer K requests, then drop connections) and an exact request count per item id. Answers are
// scripted per request by the test, so the expected metrics are known.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  model: string;
  messages: { role: string; content: unknown }[];
  tools?: { type: string; function: { name: string } }[];
  [k: string]: unknown;
}
export type Answer =
  { content?: string | null; tool_calls?: { name: string; arguments: string }[] } | { status: number; body: unknown };

export interface ScriptedEndpoint {
  url: string;
  /** Every request body received, in arrival order. */
  requests: ChatRequest[];
  /** From now on, destroy every incoming connection without answering. */
  dropAll(): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startScriptedEndpoint(
  answer: (req: ChatRequest, n: number) => Answer,
  opts: { delayMs?: number } = {},
): Promise<ScriptedEndpoint> {
  const requests: ChatRequest[] = [];
  let dropping = false;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (dropping) {
      req.socket.destroy();
      return;
    }
    const body = JSON.parse(await readBody(req)) as ChatRequest;
    requests.push(body);
    const a = answer(body, requests.length);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    if ('status' in a) {
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
      return;
    }
    const tool_calls = (a.tool_calls ?? []).map((c, i) => ({
      id: `call_${requests.length}_${i}`,
      type: 'function',
      function: c,
    }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        model: body.model,
        // Like vLLM (entrypoints/openai/chat_completion/protocol.py ChatMessage._serialize): no
        // `tool_calls` key when there are none.
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: a.content ?? null, ...(tool_calls.length ? { tool_calls } : {}) },
            finish_reason: tool_calls.length ? 'tool_calls' : 'stop',
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    );
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    dropAll: () => {
      dropping = true;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
