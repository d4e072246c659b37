// @vitest-environment jsdom
// Tool calls, tool results, JSON output and the token limit in the chat, on the whole app with
// the mock backend.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setSessionToken } from '../../api/desk';
import type { ChatParams, ToolResult } from '../../api/types';
import { App } from '../../App';
import i18n from '../../i18n';
import { stubListLayout } from '../../testing/fixtures';
import { commandsCalled, renderWithBackend } from '../../testing/renderWithBackend';

let restoreLayout: () => void = () => undefined;

beforeEach(async () => {
  await i18n.changeLanguage('en');
  restoreLayout = stubListLayout({ viewport: 4000 });
});

afterEach(() => {
  cleanup();
  clearMocks();
  restoreLayout();
  setSessionToken(null);
});

const shown = () => screen.getAllByTestId('message').map((m) => ({ role: m.dataset.role, id: m.dataset.messageId }));

async function openConversation(title: string) {
  fireEvent.click((await screen.findAllByTestId('conversation-item')).find((el) => el.textContent?.includes(title))!);
  await waitFor(() => expect(screen.getAllByTestId('message').length).toBeGreaterThan(1));
}

function send(text: string) {
  const input = screen.getByTestId('composer-input');
  fireEvent.change(input, { target: { value: text } });
  fireEvent.keyDown(input, { key: 'Enter' });
}

describe('tool calls in the chat', () => {
  it('answers unanswered calls with submit_tool_results and places results and reply after them', async () => {
    const { backend } = renderWithBackend(<App />, { scenario: 'ready' });
    await openConversation('Weekend weather check');

    // The earlier calls have results: they show as compact rows, not as a form.
    const results = screen.getAllByTestId('tool-result');
    expect(results.map((r) => r.querySelector('summary')?.textContent)).toEqual([
      expect.stringContaining('Result of get_weather'),
      expect.stringContaining('Result of get_weather'),
    ]);
    // The last call has none yet: one form, with the call's name and arguments.
    const form = await screen.findByTestId('tool-form');
    expect(screen.getAllByTestId('tool-form')).toHaveLength(1);
    expect(within(form).getByTestId('tool-form-arguments').textContent).toBe('{\n  "city": "Beijing",\n  "date": "Sunday"\n}');
    const caller = form.closest<HTMLElement>('[data-testid="message"]')!.dataset.messageId!;

    // Nothing is sent without a result for every call.
    fireEvent.click(within(form).getByTestId('tool-submit'));
    expect(await within(form).findByTestId('tool-form-missing')).toBeTruthy();
    expect(commandsCalled(backend, 'submit_tool_results')).toHaveLength(0);

    fireEvent.change(within(form).getByTestId('tool-result-input'), { target: { value: '{"forecast":"sunny","high_c":28}' } });
    fireEvent.click(within(form).getByTestId('tool-submit'));

    await waitFor(() => expect(screen.getAllByTestId('message').at(-1)?.dataset.status).toBe('complete'));
    const [call] = commandsCalled(backend, 'submit_tool_results');
    expect(call.assistantMessageId).toBe(caller);
    expect(call.results).toEqual([{ toolCallId: 'call_bj_sun', content: '{"forecast":"sunny","high_c":28}' }] satisfies ToolResult[]);

    // The calls, then the result, then the reply: in that order, at the end of the thread.
    const after = shown();
    const at = after.findIndex((m) => m.id === caller);
    expect(after.slice(at).map((m) => m.role)).toEqual(['assistant', 'tool', 'assistant']);
    expect(screen.queryByTestId('tool-form')).toBeNull();
    expect(screen.getAllByTestId('message').at(-1)?.textContent).toContain('get_weather(Beijing, Sunday)');
    expect(screen.getAllByTestId('tool-result').at(-1)?.textContent).toContain('Result of get_weather');
  });

  it('gets two parallel calls for a weather question and sends both results in order', async () => {
    const { backend } = renderWithBackend(<App />, { scenario: 'ready' });
    await openConversation('Weekend weather check');
    send('What about the weather in Shenzhen and Singapore tomorrow?');
    // The seeded call still waits for its result; the new calls get a form of their own.
    await waitFor(() => expect(screen.getAllByTestId('tool-form')).toHaveLength(2));
    const form = screen.getAllByTestId('tool-form')[1];
    const calls = within(form).getAllByTestId('tool-form-call');
    expect(calls).toHaveLength(2);
    expect(within(form).getAllByTestId('tool-form-arguments').map((a) => JSON.parse(a.textContent) as unknown)).toEqual([
      { city: 'Shenzhen', date: 'tomorrow' },
      { city: 'Singapore', date: 'tomorrow' },
    ]);
    const inputs = within(form).getAllByTestId('tool-result-input');
    fireEvent.change(inputs[0], { target: { value: 'rain' } });
    fireEvent.change(inputs[1], { target: { value: 'sun' } });
    fireEvent.click(within(form).getByTestId('tool-submit'));
    await waitFor(() => expect(commandsCalled(backend, 'submit_tool_results')).toHaveLength(1));
    const [call] = commandsCalled(backend, 'submit_tool_results');
    expect((call.results as ToolResult[]).map((r) => r.content)).toEqual(['rain', 'sun']);
    expect((call.results as ToolResult[]).map((r) => r.toolCallId)).toEqual(calls.map((c) => c.dataset.callId));
    await waitFor(() => expect(screen.getAllByTestId('message').at(-1)?.textContent).toContain('Here is what the 2 calls returned'));
    const roles = shown().map((m) => m.role);
    expect(roles.slice(-4)).toEqual(['assistant', 'tool', 'tool', 'assistant']);
  });
});

describe('the token limit and JSON output', () => {
  async function newChatWithParams(edit: () => void) {
    const result = renderWithBackend(<App />, { scenario: 'ready' });
    await screen.findByTestId('composer-input');
    fireEvent.click(screen.getByTestId('params-button'));
    edit();
    fireEvent.click(screen.getByTestId('params-save'));
    return result;
  }

  it('shows a reply cut by max tokens as stopped at the limit, and continues it', async () => {
    const { backend } = await newChatWithParams(() => fireEvent.change(screen.getByTestId('param-max-tokens'), { target: { value: '5' } }));
    send('Write a Python function for fizzbuzz');
    const notice = await screen.findByTestId('length-notice');
    expect(notice.textContent).toContain('Stopped at the token limit');
    const params = commandsCalled(backend, 'send_message')[0].request as { params: ChatParams };
    expect(params.params.maxTokens).toBe(5);
    const reply = notice.closest<HTMLElement>('[data-testid="message"]')!;
    expect(reply.dataset.status).toBe('complete');
    const before = within(reply).getByTestId('message-content').textContent;

    fireEvent.click(within(notice).getByTestId('length-continue'));
    await waitFor(() => expect(commandsCalled(backend, 'continue_reply')).toEqual([expect.objectContaining({ assistantMessageId: reply.dataset.messageId })]));
    // Continued in place: the same message grows; cut again at the limit, it still says so.
    await waitFor(() => expect(within(reply).getByTestId('message-content').textContent.length).toBeGreaterThan(before.length));
    await waitFor(() => expect(reply.dataset.status).toBe('complete'));
    expect(within(reply).getByTestId('message-content').textContent).toContain(before.trim());
  });

  it('refuses to send a JSON-output prompt without the word JSON, and sends it with it', async () => {
    const { backend } = await newChatWithParams(() => fireEvent.click(screen.getByTestId('param-json')));
    send('List three teas');
    expect((await screen.findByTestId('prompt-problem')).textContent).toContain('JSON');
    expect(commandsCalled(backend, 'send_message')).toHaveLength(0);
    expect(screen.getByTestId<HTMLTextAreaElement>('composer-input').value).toBe('List three teas');
    send('List three teas as JSON');
    await waitFor(() => expect(screen.getAllByTestId('message').at(-1)?.dataset.status).toBe('complete'));
    expect(screen.queryByTestId('prompt-problem')).toBeNull();
    expect(JSON.parse(screen.getAllByTestId('message-content').at(-1)!.textContent)).toMatchObject({ question: 'List three teas as JSON' });
  });
});

describe('the parameters panel', () => {
  it('shows wrong input beside the field and saves nothing until it is right', async () => {
    const { backend } = renderWithBackend(<App />, { scenario: 'ready' });
    await openConversation('Quicksort in Rust');
    fireEvent.click(screen.getByTestId('params-button'));
    fireEvent.change(screen.getByTestId('param-tools-json'), { target: { value: '[{"name": "get weather"}]' } });
    expect(screen.getByTestId('param-tools-problem').textContent).toContain('Function 1 needs a name');
    fireEvent.change(screen.getByTestId('param-seed'), { target: { value: '-4' } });
    expect(screen.getByTestId('param-seed-problem').textContent).toBe('Use a number from 0 to 2147483647.');
    // qwen3-coder-plus writes at most 65,536 tokens.
    fireEvent.change(screen.getByTestId('param-max-tokens'), { target: { value: '70000' } });
    expect(screen.getByTestId('param-max-tokens-problem').textContent).toBe('Use a number from 1 to 65536.');
    expect(screen.getByTestId<HTMLButtonElement>('params-save').disabled).toBe(true);
    fireEvent.submit(screen.getByTestId('params-panel'));
    expect(commandsCalled(backend, 'update_conversation')).toHaveLength(0);

    fireEvent.click(screen.getByTestId('param-stop-add'));
    fireEvent.change(screen.getByTestId('param-stop'), { target: { value: '\\n\\nUser:' } });
    fireEvent.change(screen.getByTestId('param-seed'), { target: { value: '7' } });
    fireEvent.change(screen.getByTestId('param-max-tokens'), { target: { value: '2048' } });
    fireEvent.change(screen.getByTestId('param-tools-json'), {
      target: { value: '[{"name": "get_weather", "parameters": {"type": "object", "properties": {}}}, {"name": "now"}]' },
    });
    expect(screen.getByTestId('param-tools-ok').textContent).toBe('2 functions: get_weather, now');
    fireEvent.change(screen.getByTestId('param-tool-choice'), { target: { value: 'fn:now' } });
    fireEvent.click(screen.getByTestId('param-json'));
    expect(screen.getByTestId('param-json-note')).toBeTruthy();
    fireEvent.click(screen.getByTestId('params-save'));

    await waitFor(() => expect(commandsCalled(backend, 'update_conversation')).toHaveLength(1));
    const { patch } = commandsCalled(backend, 'update_conversation')[0] as { patch: { params: ChatParams } };
    expect(patch.params).toMatchObject({
      seed: 7,
      maxTokens: 2048,
      stop: ['\n\nUser:'],
      responseFormat: 'json_object',
      toolChoice: { function: 'now' },
      tools: [
        { name: 'get_weather', description: '', parameters: { type: 'object', properties: {} } },
        { name: 'now', description: '', parameters: { type: 'object', properties: {} } },
      ],
    });
  });

  it('offers no tools for a model that cannot call them', async () => {
    renderWithBackend(<App />, { scenario: 'ready' });
    await openConversation('Sync design diagram');
    fireEvent.click(screen.getByTestId('params-button'));
    expect(screen.getByTestId('param-tools-unsupported')).toBeTruthy();
    expect(screen.queryByTestId('param-tools-json')).toBeNull();
  });
});
