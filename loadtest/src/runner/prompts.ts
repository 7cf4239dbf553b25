// Tool-calling chat prompts padded to a target context length. Each variant is a realistic
// agent turn: a system prompt, a block of earlier notes (the padding, seeded so every variant
// differs and prefix caching cannot fake the figures) and a question that calls for one of the
// tools. The tools travel in `tools`, so the chat template renders them as Qwen3 does.
import type { Rng } from './rng.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ToolDef {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface ChatPrompt {
  messages: ChatMessage[];
  tools?: ToolDef[];
}

const obj = (properties: Record<string, unknown>, required: string[]) => ({ type: 'object', properties, required });

export const TOOLS: readonly ToolDef[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city.',
      parameters: obj({ city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, [
        'city',
      ]),
    },
  },
  {
    type: 'function',
    function: {
      name: 'search_flights',
      description: 'Find flights between two airports on a date.',
      parameters: obj({ from: { type: 'string' }, to: { type: 'string' }, date: { type: 'string', format: 'date' } }, [
        'from',
        'to',
        'date',
      ]),
    },
  },
  {
    type: 'function',
    function: {
      name: 'create_event',
      description: 'Add an event to the user calendar.',
      parameters: obj(
        { title: { type: 'string' }, start: { type: 'string' }, minutes: { type: 'integer', minimum: 5 } },
        ['title', 'start'],
      ),
    },
  },
  {
    type: 'function',
    function: {
      name: 'convert_currency',
      description: 'Convert an amount between currencies.',
      parameters: obj({ amount: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } }, [
        'amount',
        'from',
        'to',
      ]),
    },
  },
];

const QUESTIONS: readonly string[] = [
  'What is the weather in Lisbon right now, in celsius?',
  'Find me a flight from BER to OPO on 2026-03-14.',
  'Put "quarterly review" in my calendar for 2026-02-03T10:00, 45 minutes.',
  'How much is 250 euros in Japanese yen?',
  'Is it raining in Osaka at the moment?',
  'Search flights from JFK to SFO on 2026-05-01, please.',
  'Schedule a dentist appointment at 2026-04-07T08:30.',
  'Convert 1200 US dollars to Swiss francs.',
];

const SUBJECTS = [
  'the platform team',
  'our Lisbon office',
  'the on-call engineer',
  'finance',
  'the design group',
  'a customer in Osaka',
  'the release manager',
  'procurement',
];
const VERBS = [
  'reviewed',
  'postponed',
  'approved',
  'questioned',
  'summarised',
  'rescheduled',
  'escalated',
  'documented',
];
const OBJECTS = [
  'the quarterly budget',
  'the travel policy',
  'a flaky deployment',
  'the vendor contract',
  "next week's offsite",
  'the latency dashboard',
  'an invoice in yen',
  'the backup rotation',
];
const TAILS = [
  'before Friday.',
  'after a long discussion.',
  'with two open questions.',
  'pending sign-off.',
  'and asked for a follow-up.',
  'without objections.',
  'for the second time.',
  'in the weekly sync.',
];

/** Seeded filler words: short sentences that read like meeting notes. */
export function fillerWords(rng: Rng, minWords: number): string[] {
  const words: string[] = [];
  let n = 1;
  while (words.length < minWords) {
    const pick = (xs: readonly string[]) => xs[rng.int(xs.length)] as string;
    const sentence = `Note ${n++}: ${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(TAILS)}`;
    words.push(...sentence.split(' '));
  }
  return words;
}

// Every request gets its own number right after the shared system prompt and tools, so a pod's
// prefix cache sees what it sees from real agents (a shared head, a unique body) instead of
// whole repeated prompts. Fixed width: Qwen's tokenizer (and the simulator's) gives each digit
// one token, so the number never changes the measured length.
const TAG_WIDTH = 8;
const TAG_PLACEHOLDER = '0'.repeat(TAG_WIDTH);

/** A copy of `prompt` whose request number is `n` (mod 10^8). */
export function tagPrompt(prompt: ChatPrompt, n: number): ChatPrompt {
  const tag = String(Math.abs(Math.trunc(n)) % 10 ** TAG_WIDTH).padStart(TAG_WIDTH, '0');
  return {
    ...prompt,
    messages: prompt.messages.map((m) =>
      m.role === 'user' ? { ...m, content: m.content.replace(`Request ${TAG_PLACEHOLDER}`, `Request ${tag}`) } : m,
    ),
  };
}

/** The prompt for `variant` with the first `padWords` filler words and the first `toolCount` tools. */
export function buildPrompt(
  variant: number,
  filler: readonly string[],
  padWords: number,
  toolCount: number,
): ChatPrompt {
  const question = QUESTIONS[variant % QUESTIONS.length] as string;
  const notes = filler.slice(0, padWords).join(' ');
  const head = `Request ${TAG_PLACEHOLDER}.`;
  const user = notes ? `${head} Here are my notes from this week:\n${notes}\n\n${question}` : `${head} ${question}`;
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are a helpful assistant. Use the tools when a question needs live data.' },
    { role: 'user', content: user },
  ];
  return toolCount > 0 ? { messages, tools: TOOLS.slice(0, toolCount) } : { messages };
}
