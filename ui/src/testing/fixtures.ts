import type { ChatParams, ConversationSummary, Message, ModelView } from '../api/types';
import { NO_PARAMS } from '../state/chatParams';

/** A chat at the model's defaults (the app's own `NO_PARAMS`). */
export const defaultParams: ChatParams = NO_PARAMS;

export function aMessage(overrides: Partial<Message> & Pick<Message, 'id' | 'role'>): Message {
  return {
    conversationId: 'c1',
    content: '',
    status: 'complete',
    model: null,
    demo: false,
    error: null,
    usage: null,
    createdAt: 1_700_000_000_000,
    parentId: null,
    reasoning: null,
    searchSources: [],
    toolCalls: [],
    attachments: [],
    costCny: null,
    toolCallId: null,
    finishReason: null,
    ...overrides,
  };
}

export function aConversation(overrides: Partial<ConversationSummary> & Pick<ConversationSummary, 'id'>): ConversationSummary {
  return {
    title: 'A conversation',
    model: 'qwen-plus',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    messageCount: 2,
    pinned: false,
    folder: null,
    archived: false,
    deletedAt: null,
    params: defaultParams,
    ...overrides,
  };
}

export function aModel(overrides: Partial<ModelView> & Pick<ModelView, 'id'>): ModelView {
  return {
    family: 'qwen',
    kind: 'chat',
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
    priceAsOf: null,
    known: true,
    ...overrides,
  };
}

/** A linear thread of `count` messages alternating user/assistant, each following the one before. */
export function aThread(count: number, conversationId = 'c1'): Message[] {
  const messages: Message[] = [];
  for (let i = 0; i < count; i++) {
    messages.push(
      aMessage({
        id: `m${i}`,
        conversationId,
        role: i % 2 === 0 ? 'user' : 'assistant',
        content: i % 2 === 0 ? `Question ${i}` : `Answer ${i}`,
        parentId: i === 0 ? null : `m${i - 1}`,
        createdAt: 1_700_000_000_000 + i * 1000,
      }),
    );
  }
  return messages;
}

/**
 * jsdom lays nothing out, so a virtualised list would see a 0-px viewport and render no rows.
 * This gives the message scroller a viewport and every row a height; returns the undo.
 */
export function stubListLayout({ viewport = 800, row = 100 }: { viewport?: number; row?: number } = {}): () => void {
  const originals = {
    clientHeight: Object.getOwnPropertyDescriptor(Element.prototype, 'clientHeight'),
    clientWidth: Object.getOwnPropertyDescriptor(Element.prototype, 'clientWidth'),
    scrollHeight: Object.getOwnPropertyDescriptor(Element.prototype, 'scrollHeight'),
    offsetHeight: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'offsetHeight'),
    scrollTo: Object.getOwnPropertyDescriptor(Element.prototype, 'scrollTo'),
  };
  // Scrolling moves the offset and tells listeners, as a browser would.
  Object.defineProperty(Element.prototype, 'scrollTo', {
    configurable: true,
    writable: true,
    value(this: Element, options: ScrollToOptions | number, y?: number) {
      const top = typeof options === 'number' ? (y ?? 0) : (options.top ?? this.scrollTop);
      this.scrollTop = Math.max(0, top);
      this.dispatchEvent(new Event('scroll'));
    },
  });
  Object.defineProperty(Element.prototype, 'clientHeight', {
    configurable: true,
    get(this: Element) {
      return this.classList.contains('message-scroller') ? viewport : 0;
    },
  });
  Object.defineProperty(Element.prototype, 'clientWidth', {
    configurable: true,
    get(this: Element) {
      return this.classList.contains('message-scroller') ? 700 : 0;
    },
  });
  // The scroller's content is the virtual list's sizer, whose height the list sets inline.
  Object.defineProperty(Element.prototype, 'scrollHeight', {
    configurable: true,
    get(this: Element) {
      if (!this.classList.contains('message-scroller')) return 0;
      const sizer = this.firstElementChild as HTMLElement | null;
      return Math.max(viewport, parseFloat(sizer?.style.height ?? '') || 0);
    },
  });
  Object.defineProperty(HTMLElement.prototype, 'offsetHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('message-slot') ? row : 0;
    },
  });
  return () => {
    for (const [name, descriptor] of Object.entries(originals)) {
      const target = name === 'offsetHeight' ? HTMLElement.prototype : Element.prototype;
      if (descriptor) Object.defineProperty(target, name, descriptor);
      else delete (target as unknown as Record<string, unknown>)[name];
    }
  };
}
