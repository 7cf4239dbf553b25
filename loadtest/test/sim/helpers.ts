// Shared helpers for the simulator's HTTP tests.
export const TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, days: { type: 'integer' } },
        required: ['city', 'days'],
      },
    },
  },
];

export async function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Parsed `data:` events of an SSE body; '[DONE]' stays a string. */
export function sseEvents(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6))
    .map((d) => (d === '[DONE]' ? d : (JSON.parse(d) as unknown)));
}

/** Sum of a metric's samples (all label sets) in Prometheus text. */
export function metricValue(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (
      line.startsWith(`${name}{`) ||
      line.startsWith(`${name} `) ||
      (name.endsWith('}') && line.startsWith(`${name} `))
    )
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
