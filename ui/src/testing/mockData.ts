// The seed data of the mock backend: what a few weeks of real use look like.
import type {
  ChatParams,
  ConversationSummary,
  ImageTaskView,
  Message,
  ModelView,
  SearchSource,
  ToolDefinition,
} from '../api/types';
import { NO_PARAMS } from '../state/chatParams';
import { seededRandom } from './mockImages';

export const DAY_MS = 86_400_000;

/** A chat at the model's defaults (the app's own `NO_PARAMS`); spread it, never change it. */
export const DEFAULT_PARAMS: ChatParams = NO_PARAMS;

function model(partial: Partial<ModelView> & Pick<ModelView, 'id' | 'family' | 'kind'>): ModelView {
  return {
    acceptsImages: false,
    acceptsVideo: false,
    singleTurn: false,
    thinking: 'none',
    search: false,
    tools: false,
    maxContextTokens: 131_072,
    maxOutputTokens: 8_192,
    inputPricePer1k: null,
    outputPricePer1k: null,
    priceAsOf: '2025-06-01',
    known: true,
    ...partial,
  };
}

export const MODELS: ModelView[] = [
  model({ id: 'qwen-plus', family: 'qwen', kind: 'chat', thinking: 'optional', search: true, tools: true, inputPricePer1k: 0.0008, outputPricePer1k: 0.002 }),
  model({ id: 'qwen-max', family: 'qwen', kind: 'chat', search: true, tools: true, maxContextTokens: 32_768, inputPricePer1k: 0.0024, outputPricePer1k: 0.0096 }),
  model({ id: 'qwen-turbo', family: 'qwen', kind: 'chat', thinking: 'optional', search: true, tools: true, maxContextTokens: 1_000_000, inputPricePer1k: 0.0003, outputPricePer1k: 0.0006 }),
  model({ id: 'qwq-plus', family: 'qwq', kind: 'chat', thinking: 'required', inputPricePer1k: 0.0016, outputPricePer1k: 0.004 }),
  model({ id: 'qwen3-coder-plus', family: 'qwen3-coder', kind: 'chat', tools: true, maxContextTokens: 1_000_000, maxOutputTokens: 65_536, inputPricePer1k: 0.004, outputPricePer1k: 0.016 }),
  model({ id: 'qwen-vl-plus', family: 'qwen-vl', kind: 'chat', acceptsImages: true, priceAsOf: null }),
  model({ id: 'wanx2.1-t2i-turbo', family: 'wanx', kind: 'image', maxContextTokens: 0, maxOutputTokens: 0 }),
  model({ id: 'wanx2.1-t2i-plus', family: 'wanx', kind: 'image', maxContextTokens: 0, maxOutputTokens: 0 }),
  model({ id: 'wan2.6-t2i', family: 'wan', kind: 'image', maxContextTokens: 0, maxOutputTokens: 0 }),
  model({ id: 'qwen-image-edit', family: 'qwen-image', kind: 'image', acceptsImages: true, maxContextTokens: 0, maxOutputTokens: 0 }),
  model({ id: 'cosyvoice-v2', family: 'cosyvoice', kind: 'speech_synthesis', maxContextTokens: 0, maxOutputTokens: 0 }),
  model({ id: 'qwen-tts', family: 'qwen-tts', kind: 'speech_synthesis', maxContextTokens: 0, maxOutputTokens: 0 }),
  model({ id: 'paraformer-realtime-v2', family: 'paraformer', kind: 'speech_recognition', maxContextTokens: 0, maxOutputTokens: 0 }),
  model({ id: 'text-embedding-v4', family: 'text-embedding', kind: 'embedding', maxContextTokens: 8_192, maxOutputTokens: 0, inputPricePer1k: 0.0005 }),
];

export const CHAT_MODELS = MODELS.filter((m) => m.kind === 'chat').map((m) => m.id);

/** CNY per unit for calls billed by the image or the character. */
export const UNIT_PRICES: Record<string, number> = {
  'wanx2.1-t2i-turbo': 0.14,
  'wanx2.1-t2i-plus': 0.2,
  'wan2.6-t2i': 0.2,
  'qwen-image-edit': 0.3,
  'cosyvoice-v2': 0.00002,
  'qwen-tts': 0.00002,
  'paraformer-realtime-v2': 0.00024,
  'tingwu-meeting': 0.0006,
};

export interface SeedConversation {
  summary: ConversationSummary;
  messages: Message[];
}

let idCounter = 0;
/** UUIDv7-shaped ids: time first, so they sort like the real ones. */
export function mockId(at: number = Date.now()): string {
  const hex = at.toString(16).padStart(12, '0');
  const tail = (++idCounter).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-${tail}`;
}

interface MessageSeed {
  key: string;
  role: Message['role'];
  content: string;
  parent: string | null;
  model?: string;
  reasoning?: string;
  sources?: SearchSource[];
  status?: Message['status'];
  error?: Message['error'];
  toolCalls?: Message['toolCalls'];
  toolCallId?: string;
  finishReason?: Message['finishReason'];
  minutes: number;
}

function conversation(
  now: number,
  daysAgo: number,
  title: string,
  modelId: string,
  seeds: MessageSeed[],
  extra: Partial<ConversationSummary> = {},
): SeedConversation {
  const start = now - daysAgo * DAY_MS;
  const id = mockId(start);
  const ids = new Map<string, string>();
  const messages = seeds.map((seed) => {
    const createdAt = start + seed.minutes * 60_000;
    const messageId = mockId(createdAt);
    ids.set(seed.key, messageId);
    const assistant = seed.role === 'assistant';
    const inputTokens = 40 + seed.content.length;
    const outputTokens = assistant ? Math.round(seed.content.length / 3) + (seed.reasoning?.length ?? 0) / 3 : 0;
    const price = MODELS.find((m) => m.id === (seed.model ?? modelId));
    const message: Message = {
      id: messageId,
      conversationId: id,
      role: seed.role,
      content: seed.content,
      status: seed.status ?? 'complete',
      model: assistant ? (seed.model ?? modelId) : null,
      demo: false,
      error: seed.error ?? null,
      usage: assistant ? { inputTokens, outputTokens: Math.round(outputTokens), totalTokens: inputTokens + Math.round(outputTokens) } : null,
      createdAt,
      parentId: seed.parent ? (ids.get(seed.parent) ?? null) : null,
      reasoning: seed.reasoning ?? null,
      searchSources: seed.sources ?? [],
      toolCalls: seed.toolCalls ?? [],
      attachments: [],
      toolCallId: seed.toolCallId ?? null,
      finishReason: seed.finishReason ?? (assistant && (seed.status ?? 'complete') === 'complete' ? 'stop' : null),
      costCny:
        assistant && price?.inputPricePer1k != null && price.outputPricePer1k != null
          ? (inputTokens * price.inputPricePer1k + outputTokens * price.outputPricePer1k) / 1000
          : null,
    };
    return message;
  });
  const last = messages[messages.length - 1];
  return {
    summary: {
      id,
      title,
      model: modelId,
      createdAt: start,
      updatedAt: last?.createdAt ?? start,
      messageCount: messages.length,
      pinned: false,
      folder: null,
      archived: false,
      deletedAt: null,
      params: { ...DEFAULT_PARAMS },
      ...extra,
    },
    messages,
  };
}

const QUICKSORT = `Here is an in-place quicksort over a mutable slice. It picks the middle element as the pivot, which avoids the worst case on already sorted input:

\`\`\`rust
pub fn quicksort<T: Ord>(items: &mut [T]) {
    if items.len() <= 1 {
        return;
    }
    let pivot = partition(items);
    let (left, right) = items.split_at_mut(pivot);
    quicksort(left);
    quicksort(&mut right[1..]);
}

fn partition<T: Ord>(items: &mut [T]) -> usize {
    let last = items.len() - 1;
    items.swap(items.len() / 2, last);
    let mut store = 0;
    for i in 0..last {
        if items[i] <= items[last] {
            items.swap(i, store);
            store += 1;
        }
    }
    items.swap(store, last);
    store
}
\`\`\`

It runs in **O(n log n)** on average and sorts in place, so it needs no extra allocation. For production code prefer \`slice::sort_unstable\`, which is a pattern-defeating quicksort.`;

const BAYES = `Bayes' theorem turns the probability of the evidence given a hypothesis into the probability of the hypothesis given the evidence:

$$
P(H \\mid E) = \\frac{P(E \\mid H)\\,P(H)}{P(E)}
$$

Take a test that is 99 % sensitive, with a 5 % false-positive rate, for a condition that 1 in 1,000 people have. After a positive result:

$$
P(\\text{ill} \\mid +) = \\frac{0.99 \\times 0.001}{0.99 \\times 0.001 + 0.05 \\times 0.999} \\approx 1.9\\,\\%
$$

So a positive result still means the person is probably healthy: the prior $P(H) = 0.001$ dominates.`;

const BAYES_SHORT = `In one line: **posterior ∝ likelihood × prior**, that is $P(H \\mid E) \\propto P(E \\mid H)\\,P(H)$. The denominator $P(E)$ only rescales the result so the probabilities add up to one.`;

const HANGZHOU = `这是一个轻松的杭州周末两日游安排：

**第一天**
1. 上午：西湖断桥、白堤，步行到孤山，人少景美。
2. 中午：知味观吃小笼包和片儿川。
3. 下午：乘船游三潭印月，之后去雷峰塔看日落。
4. 晚上：河坊街、南宋御街逛夜市。

**第二天**
1. 上午：灵隐寺与飞来峰，建议 8 点前到，避开人流。
2. 中午：龙井村农家菜，配一杯明前龙井。
3. 下午：九溪十八涧徒步，全程约 2 小时。

天气预报显示周六有小雨，记得带伞。[1][2]`;

const RELEASE_NOTE_1 = `**Bailian Desk 0.4 — what's new**

- Image studio: create pictures with Wanx and keep every result, prompt and seed.
- Usage cockpit: cost and tokens by day, model and conversation, with a monthly budget.
- Idle lock: the app locks itself after a quiet spell and asks for your password.`;

const RELEASE_NOTE_2 = `**Bailian Desk 0.4**

Three things you asked for: an image studio that keeps every result with its prompt, a usage cockpit with a monthly budget that can stop spending, and a lock that protects your conversations when you step away.`;

const MERMAID = `The sync design in one picture:

\`\`\`mermaid
sequenceDiagram
    participant A as Laptop
    participant S as Sync server
    participant B as Phone
    A->>S: push ops 41..57
    S-->>A: ack 57
    B->>S: pull since 40
    S-->>B: ops 41..57
    B->>B: apply (idempotent)
\`\`\`

Every change is an op with a hybrid logical clock stamp, so applying the same ops in any order gives the same tables.`;

/** The function the mock's weather conversations offer the model. */
export const WEATHER_TOOL: ToolDefinition = {
  name: 'get_weather',
  description: 'The forecast for a city on a given day.',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, date: { type: 'string' } },
    required: ['city'],
  },
};

export function seedConversations(now: number): SeedConversation[] {
  return [
    conversation(now, 0.2, 'Quicksort in Rust', 'qwen3-coder-plus', [
      { key: 'u1', role: 'user', content: 'Write a quicksort in Rust that sorts a slice in place.', parent: null, minutes: 0 },
      { key: 'a1', role: 'assistant', content: QUICKSORT, parent: 'u1', minutes: 1 },
    ]),
    conversation(now, 1, "Explain Bayes' theorem", 'qwen-plus', [
      { key: 'u1', role: 'user', content: "Explain Bayes' theorem with a medical test example.", parent: null, minutes: 0 },
      {
        key: 'a1',
        role: 'assistant',
        content: BAYES,
        parent: 'u1',
        minutes: 1,
        reasoning:
          'The user wants intuition, not just the formula. A base-rate example works best: a rare condition, an accurate test, and the surprising low posterior. Compute 0.99 × 0.001 / (0.99 × 0.001 + 0.05 × 0.999) ≈ 0.0194.',
      },
      // A regenerated reply: a sibling of the first answer.
      { key: 'a2', role: 'assistant', content: BAYES_SHORT, parent: 'u1', minutes: 3, model: 'qwen-max' },
    ]),
    conversation(now, 2, '周末杭州两日游', 'qwen-plus', [
      { key: 'u1', role: 'user', content: '帮我安排一个杭州周末两日游，喜欢自然风景和美食。', parent: null, minutes: 0 },
      {
        key: 'a1',
        role: 'assistant',
        content: HANGZHOU,
        parent: 'u1',
        minutes: 1,
        sources: [
          { index: 1, title: '杭州西湖风景名胜区官方网站', url: 'https://www.hzwestlake.gov.cn/', siteName: '西湖风景名胜区' },
          { index: 2, title: '杭州天气预报', url: 'https://weather.cma.cn/web/weather/58457.html', siteName: '中国气象局' },
        ],
      },
    ], { params: { ...DEFAULT_PARAMS, enableSearch: true }, pinned: true }),
    conversation(now, 4, 'Release note for 0.4', 'qwen-max', [
      { key: 'u1', role: 'user', content: 'Draft a release note for version 0.4: image studio, usage cockpit, idle lock.', parent: null, minutes: 0 },
      { key: 'a1', role: 'assistant', content: RELEASE_NOTE_1, parent: 'u1', minutes: 1 },
      // Edit-and-resend: a second version of the question, with its own answer.
      { key: 'u2', role: 'user', content: 'Make it one short paragraph, friendly tone.', parent: 'a1', minutes: 4 },
      { key: 'a2', role: 'assistant', content: RELEASE_NOTE_2, parent: 'u2', minutes: 5 },
    ], { folder: 'Work' }),
    conversation(now, 6, 'Sync design diagram', 'qwq-plus', [
      { key: 'u1', role: 'user', content: 'Draw the op-log sync between two devices as a sequence diagram.', parent: null, minutes: 0 },
      { key: 'a1', role: 'assistant', content: MERMAID, parent: 'u1', minutes: 2, reasoning: 'Two devices and a server; show push, ack, pull and an idempotent apply.' },
    ], { folder: 'Work' }),
    conversation(now, 7, 'Weekend weather check', 'qwen-plus', [
      { key: 'u1', role: 'user', content: 'What will the weather be in Hangzhou and Shanghai this Saturday?', parent: null, minutes: 0 },
      {
        key: 'a1',
        role: 'assistant',
        content: '',
        parent: 'u1',
        minutes: 1,
        finishReason: 'tool_calls',
        toolCalls: [
          { id: 'call_hz_sat', name: 'get_weather', arguments: '{"city":"Hangzhou","date":"Saturday"}' },
          { id: 'call_sh_sat', name: 'get_weather', arguments: '{"city":"Shanghai","date":"Saturday"}' },
        ],
      },
      { key: 't1', role: 'tool', content: '{"city":"Hangzhou","forecast":"light rain","high_c":24,"low_c":18}', parent: 'a1', toolCallId: 'call_hz_sat', minutes: 2 },
      { key: 't2', role: 'tool', content: '{"city":"Shanghai","forecast":"cloudy","high_c":26,"low_c":20}', parent: 't1', toolCallId: 'call_sh_sat', minutes: 2 },
      {
        key: 'a2',
        role: 'assistant',
        content: 'On Saturday Hangzhou expects light rain (18–24 °C), so take an umbrella; Shanghai stays cloudy and a little warmer (20–26 °C).',
        parent: 't2',
        minutes: 3,
      },
      { key: 'u2', role: 'user', content: 'And Beijing on Sunday?', parent: 'a2', minutes: 5 },
      // The model asked for a tool call nobody has answered yet: the chat offers the result form.
      {
        key: 'a3',
        role: 'assistant',
        content: '',
        parent: 'u2',
        minutes: 6,
        finishReason: 'tool_calls',
        toolCalls: [{ id: 'call_bj_sun', name: 'get_weather', arguments: '{"city":"Beijing","date":"Sunday"}' }],
      },
    ], { params: { ...DEFAULT_PARAMS, tools: [WEATHER_TOOL] } }),
    conversation(now, 9, 'Long essay on tea', 'qwen-turbo', [
      { key: 'u1', role: 'user', content: 'Write a long essay on the history of tea in China.', parent: null, minutes: 0 },
      {
        key: 'a1',
        role: 'assistant',
        content: 'Tea began as a medicine. Legend credits Shennong, who tasted hundreds of herbs, with its discovery; by the Tang dynasty Lu Yu had written the Classic of Tea, and',
        parent: 'u1',
        minutes: 1,
        status: 'partial',
        error: { code: 'stream_interrupted', message: 'connection reset by peer' },
      },
    ]),
    conversation(now, 20, 'Old experiments', 'qwen-turbo', [
      { key: 'u1', role: 'user', content: 'Say hello in five languages.', parent: null, minutes: 0 },
      { key: 'a1', role: 'assistant', content: 'Hello · 你好 · Bonjour · Hola · こんにちは', parent: 'u1', minutes: 1 },
    ], { archived: true }),
  ];
}

export interface LedgerRow {
  at: number;
  model: string;
  conversationId: string;
  inputTokens: number;
  outputTokens: number;
  units: number;
  costCny: number | null;
  failed: boolean;
  priceAsOf: string | null;
}

export function costOf(modelId: string, inputTokens: number, outputTokens: number, units: number): number | null {
  const unit = UNIT_PRICES[modelId];
  if (unit !== undefined) return units * unit;
  const m = MODELS.find((x) => x.id === modelId);
  if (!m || m.inputPricePer1k === null) return null;
  return (inputTokens * m.inputPricePer1k + outputTokens * (m.outputPricePer1k ?? 0)) / 1000;
}

/** 30 days of calls over several models, busier on weekdays, with a few failures. */
export function seedLedger(now: number, conversationIds: string[]): LedgerRow[] {
  const random = seededRandom(20250601);
  const weights: [string, number][] = [
    ['qwen-plus', 0.34],
    ['qwen-max', 0.12],
    ['qwen-turbo', 0.18],
    ['qwq-plus', 0.06],
    ['qwen3-coder-plus', 0.14],
    ['qwen-vl-plus', 0.04],
    ['wanx2.1-t2i-turbo', 0.07],
    ['cosyvoice-v2', 0.05],
  ];
  const pick = () => {
    let r = random();
    for (const [id, w] of weights) {
      if ((r -= w) <= 0) return id;
    }
    return weights[0][0];
  };
  const rows: LedgerRow[] = [];
  for (let day = 30; day >= 0; day--) {
    const date = new Date(now - day * DAY_MS);
    const weekend = date.getDay() === 0 || date.getDay() === 6;
    const calls = Math.round((weekend ? 3 : 9) + random() * (weekend ? 4 : 12));
    for (let i = 0; i < calls; i++) {
      const at = now - day * DAY_MS - Math.round(random() * 10 * 3_600_000);
      if (at > now) continue;
      const modelId = pick();
      const kind = MODELS.find((m) => m.id === modelId)?.kind;
      const inputTokens = kind === 'chat' ? Math.round(200 + random() * 3500) : 0;
      const outputTokens = kind === 'chat' ? Math.round(100 + random() * 1800) : 0;
      const units = kind === 'image' ? 1 + Math.floor(random() * 3) : kind === 'speech_synthesis' ? Math.round(200 + random() * 1500) : 0;
      const failed = random() < 0.04;
      rows.push({
        at,
        model: modelId,
        conversationId: kind === 'chat' && random() < 0.8 ? conversationIds[Math.floor(random() * conversationIds.length)] : '',
        inputTokens: failed ? 0 : inputTokens,
        outputTokens: failed ? 0 : outputTokens,
        units: failed ? 0 : units,
        costCny: failed ? 0 : costOf(modelId, inputTokens, outputTokens, units),
        failed,
        priceAsOf: costOf(modelId, 1, 1, 1) === null ? null : '2025-06-01',
      });
    }
  }
  return rows.sort((a, b) => a.at - b.at);
}

export interface SeedImage {
  view: ImageTaskView;
  /** What `image_data` returns for each stored image. */
  art: Map<string, { kind: 'svg' | 'png'; seed: number }>;
  /** What `image_input_data` returns, by `<task>:<position>`. */
  inputArt?: Map<string, { kind: 'svg' | 'png'; seed: number }>;
}

function imageView(
  now: number,
  hoursAgo: number,
  modelId: string,
  prompt: string,
  params: Record<string, unknown>,
  status: ImageTaskView['task']['status'],
  outcomes: ({ kind: 'svg' | 'png'; seed: number } | { failed: string; message: string })[],
  taskError: { code: string; message: string } | null = null,
): SeedImage {
  const createdAt = now - hoursAgo * 3_600_000;
  const id = mockId(createdAt);
  const art = new Map<string, { kind: 'svg' | 'png'; seed: number }>();
  const images = outcomes.map((outcome, position) => {
    const imageId = mockId(createdAt + 1000);
    if ('failed' in outcome) {
      return { id: imageId, task: id, position, status: 'failed' as const, actualPrompt: null, mime: null, bytes: 0, errorCode: outcome.failed, errorMessage: outcome.message };
    }
    art.set(imageId, outcome);
    return {
      id: imageId,
      task: id,
      position,
      status: 'stored' as const,
      actualPrompt: `${prompt}, highly detailed, soft light`,
      mime: outcome.kind === 'svg' ? 'image/svg+xml' : 'image/png',
      bytes: outcome.kind === 'svg' ? 1400 : 27_900,
      errorCode: null,
      errorMessage: null,
    };
  });
  return {
    view: {
      task: {
        id,
        taskId: status === 'submitting' ? null : `task-${id.slice(-8)}`,
        model: modelId,
        prompt,
        parameters: JSON.stringify(params),
        status,
        errorCode: taskError?.code ?? null,
        errorMessage: taskError?.message ?? null,
        createdAt,
        updatedAt: createdAt + 40_000,
      },
      images,
      inputs: [],
    },
    art,
  };
}

/** An edit of a stored picture (qwen-image-edit): its input is that picture. */
function editView(now: number, hoursAgo: number, source: SeedImage, prompt: string, seed: number): SeedImage {
  const edited = imageView(now, hoursAgo, 'qwen-image-edit', prompt, { n: 1 }, 'succeeded', [{ kind: 'svg', seed }]);
  const [first] = source.view.images;
  const art = source.art.get(first.id)!;
  edited.view.task.taskId = null;
  edited.view.images[0].actualPrompt = null;
  edited.view.inputs = [{ task: edited.view.task.id, position: 0, sourceImage: first.id, mime: first.mime ?? 'image/svg+xml', bytes: first.bytes }];
  edited.inputArt = new Map([[`${edited.view.task.id}:0`, art]]);
  return edited;
}

export function seedImages(now: number): SeedImage[] {
  const panda = imageView(now, 2, 'wanx2.1-t2i-turbo', 'A red panda reading a book under a ginkgo tree, watercolor', { size: '1024*1024', n: 2, seed: 42 }, 'succeeded', [
    { kind: 'svg', seed: 1 },
    { kind: 'svg', seed: 2 },
  ]);
  return [
    editView(now, 1, panda, 'Make it a snowy winter evening, keep the red panda and the book', 6),
    panda,
    imageView(now, 5, 'wan2.6-t2i', 'Neon-lit Shanghai street at night, rain reflections, cinematic', { size: '1280*720', n: 2, negative_prompt: 'blurry, text' }, 'partial', [
      { kind: 'png', seed: 3 },
      { failed: 'DataInspectionFailed', message: 'Output data may contain inappropriate content.' },
    ]),
    imageView(now, 26, 'wanx2.1-t2i-plus', '水墨风格的黄山云海，远处有松树', { size: '720*1280', n: 1, seed: 7 }, 'succeeded', [{ kind: 'svg', seed: 4 }]),
    imageView(now, 50, 'wanx2.1-t2i-turbo', 'Product photo of a ceramic teapot', { size: '2048*2048', n: 1 }, 'failed', [], {
      code: 'InvalidParameter',
      message: 'The size is not supported by this model; use one of 1024*1024, 720*1280, 1280*720.',
    }),
    // Left running when the app last closed: resume_image_tasks finishes it.
    imageView(now, 0.1, 'wanx2.1-t2i-turbo', 'Isometric cozy study room with plants, morning light', { size: '1024*1024', n: 1 }, 'running', []),
  ];
}
