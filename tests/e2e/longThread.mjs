// The long thread the performance scripts (perf.mjs, profile.mjs) open: `count` messages in one
// linear conversation, imported through the CLI into a fresh data folder.

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliBinary } from './harness.mjs';

/** The last line of the thread's last message, to know it is painted. */
export const lastMessageText = (count) => `That answers part ${count - 1} of the thread.`;

/** A realistic mix: prose, Chinese, code, lists, the odd table and formula. */
function body(i, role) {
  const kinds = [
    () => `Question ${i}: how do I paginate results from the DashScope API without missing items?`,
    () => `第 ${i} 条：请用中文解释一下向量检索和全文检索的区别，并举一个例子。`,
    () => `Here is a function for item ${i}:\n\n\`\`\`python\ndef page(items, size):\n    for start in range(0, len(items), size):\n        yield items[start:start + size]\n\`\`\`\n\nIt yields slices lazily.`,
    () => `Steps for ${i}:\n\n1. Read the cursor.\n2. Fetch the next page.\n3. Stop when the page is short.\n\n| field | meaning |\n|---|---|\n| cursor | where to resume |`,
    () => `The cost is \\(c = n \\times p\\) for message ${i}, so doubling \\(n\\) doubles it.`,
  ];
  const text = kinds[i % kinds.length]();
  return role === 'user' ? text : `${text}\n\nThat answers part ${i} of the thread.`;
}

/** Imports a thread of `count` messages into the data folder `home`; returns the import's ms. */
export function seedLongThread(home, count) {
  const conversationId = randomUUID();
  const start = Date.now() - count * 60_000;
  let parentId = null;
  const messages = [];
  for (let i = 0; i < count; i += 1) {
    const role = i % 2 === 0 ? 'user' : 'assistant';
    const id = randomUUID();
    messages.push({
      id,
      conversationId,
      role,
      content: body(i, role),
      status: 'complete',
      model: role === 'assistant' ? 'qwen-plus' : null,
      demo: false,
      error: null,
      usage: role === 'assistant' ? { inputTokens: 20, outputTokens: 60, totalTokens: 80 } : null,
      requestId: null,
      parentId,
      createdAt: start + i * 60_000,
      updatedAt: start + i * 60_000,
    });
    parentId = id;
  }
  const file = path.join(home, 'seed.json');
  writeFileSync(
    file,
    JSON.stringify({
      format: 'bailian-desk-export',
      version: 1,
      exportedAt: Date.now(),
      conversations: [
        {
          id: conversationId,
          title: `A thread of ${count} messages`,
          model: 'qwen-plus',
          createdAt: start,
          updatedAt: start + count * 60_000,
          messages,
        },
      ],
    }),
  );
  const started = Date.now();
  execFileSync(cliBinary, ['import', file], { env: { ...process.env, BAILIAN_DESK_HOME: home } });
  return Date.now() - started;
}
