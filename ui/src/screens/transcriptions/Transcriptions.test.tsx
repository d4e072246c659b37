// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TranscriptionJob } from '../../api/types';
import i18n from '../../i18n';
import { usePendingDraft } from '../../state/chatDraft';
import { mockError } from '../../testing/mockBackend';
import { commandsCalled, renderWithBackend } from '../../testing/renderWithBackend';
import { MeetingsScreen } from '../MeetingsScreen';
import { upsertRecord } from '../meetings/format';

beforeEach(async () => {
  await i18n.changeLanguage('en');
  Element.prototype.scrollIntoView = vi.fn();
});

afterEach(() => {
  cleanup();
  clearMocks();
});

const items = () => screen.getAllByTestId('transcription-item');
const view = () => screen.getByTestId('transcription-view');

/** Shows the draft another screen handed to a new chat. */
function DraftProbe() {
  const draft = usePendingDraft();
  return <output data-testid="pending-draft">{draft?.text ?? ''}</output>;
}

function renderScreen(stepMs = 5) {
  const result = renderWithBackend(
    <>
      <MeetingsScreen notify={vi.fn()} />
      <DraftProbe />
    </>,
    { imageStepMs: stepMs },
  );
  fireEvent.click(screen.getByTestId('meetings-tab-transcriptions'));
  return result;
}

describe('URL transcriptions', () => {
  it('resumes the job a restart interrupted and shows its transcript', async () => {
    const { backend } = renderScreen();
    await waitFor(() => expect(items()).toHaveLength(3));
    expect(commandsCalled(backend, 'resume_transcriptions')).toHaveLength(1);
    expect(screen.getByTestId('meetings-tab-transcriptions').getAttribute('aria-selected')).toBe('true');
    // The newest was left running: shown first, followed to its end in place.
    await waitFor(() => expect(view().dataset.status).toBe('succeeded'));
    expect(within(view()).getByRole('heading', { level: 2 }).textContent).toBe('user-interview-zh.mp3');
    const sentences = within(within(view()).getByTestId('transcription-transcript')).getAllByRole('listitem');
    expect(sentences[0].textContent).toContain('00:00');
    expect(sentences[0].textContent).toContain('大家好，今天我们聊一聊用户访谈的结果。');
    expect(items()[0].dataset.status).toBe('succeeded');
  });

  it('follows a new job through its statuses; a failed one is explained', async () => {
    const { backend } = renderScreen(20);
    await waitFor(() => expect(items()).toHaveLength(3));
    const url = screen.getByTestId('transcription-url');
    fireEvent.change(url, { target: { value: 'not a url' } });
    fireEvent.blur(url);
    expect(screen.getByTestId<HTMLButtonElement>('transcription-submit').disabled).toBe(true);

    fireEvent.change(url, { target: { value: 'https://oss.example.com/audio/product-podcast-ep13.mp3' } });
    fireEvent.click(screen.getByTestId('transcription-submit'));
    const seen = new Set<string>();
    await waitFor(() => {
      const job = screen.getByTestId('transcription-view');
      seen.add(job.dataset.status!);
      expect(within(job).getByRole('heading', { level: 2 }).textContent).toBe('product-podcast-ep13.mp3');
      expect(job.dataset.status).toBe('succeeded');
    });
    expect(seen.has('running') || seen.has('pending')).toBe(true);
    expect(commandsCalled(backend, 'transcribe_url')[0].url).toBe('https://oss.example.com/audio/product-podcast-ep13.mp3');
    expect(within(view()).getByTestId('transcription-transcript').textContent).toContain('Welcome back to the product podcast.');

    fireEvent.click(items().find((i) => i.textContent?.includes('board-call-403.wav'))!);
    const failure = within(view()).getByTestId('transcription-error');
    expect(failure.dataset.errorCode).toBe('bad_request');
    expect(within(failure).getByTestId('transcription-code').textContent).toContain('FILE_DOWNLOAD_FAILED');
  });

  it('says why the core refused a job before it existed', async () => {
    const { backend } = renderScreen();
    await waitFor(() => expect(items()).toHaveLength(3));
    backend.failNext('transcribe_url', mockError('missing_api_key', 'no API key is configured'));
    fireEvent.change(screen.getByTestId('transcription-url'), { target: { value: 'https://oss.example.com/a.mp3' } });
    fireEvent.click(screen.getByTestId('transcription-submit'));
    expect((await screen.findByRole('alert')).dataset.errorCode).toBe('missing_api_key');
    expect(screen.getByTestId<HTMLInputElement>('transcription-url').value).toBe('https://oss.example.com/a.mp3');
    expect(items()).toHaveLength(3);
  });

  it('starts a chat with the transcript and deletes a job', async () => {
    const { backend } = renderScreen();
    await waitFor(() => expect(items()).toHaveLength(3));
    fireEvent.click(items().find((i) => i.textContent?.includes('product-podcast-ep12.mp3'))!);
    fireEvent.click(within(view()).getByTestId('transcription-chat'));
    expect(screen.getByTestId('pending-draft').textContent).toBe(
      'Here is the transcript of product-podcast-ep12.mp3:\n\nWelcome back to the product podcast. This week we talk about shipping the desktop client for Bailian. The biggest change is live dictation straight from the microphone. We also moved long recordings to URL transcription, which survives a restart.',
    );

    const id = (await listed(backend)).find((j) => j.fileUrl.endsWith('product-podcast-ep12.mp3'))!.id;
    fireEvent.click(within(view()).getByTestId('transcription-delete'));
    fireEvent.click(within(view()).getByTestId('transcription-delete-yes'));
    await waitFor(() => expect(items()).toHaveLength(2));
    expect(commandsCalled(backend, 'delete_transcription')).toEqual([expect.objectContaining({ jobId: id })]);
    expect(items().some((i) => i.textContent?.includes('product-podcast-ep12.mp3'))).toBe(false);
    // The next job is shown in its place.
    expect(within(view()).getByRole('heading', { level: 2 }).textContent).toBe('board-call-403.wav');
  });
});

async function listed(backend: { handle: (cmd: string, args?: Record<string, unknown>) => Promise<unknown> }) {
  return (await backend.handle('list_transcriptions', {})) as TranscriptionJob[];
}

describe('upsertRecord (transcription jobs)', () => {
  const job = (id: string, updatedAt: number, status: TranscriptionJob['status'] = 'running'): TranscriptionJob => ({
    id,
    fileUrl: 'https://x/a.mp3',
    model: 'paraformer-v2',
    taskId: null,
    status,
    errorCode: null,
    dashscopeCode: null,
    errorMessage: null,
    transcript: null,
    createdAt: 1,
    updatedAt,
  });

  it('puts a new job on top and never lets an older report replace a newer one', () => {
    const list = upsertRecord([job('a', 5)], job('b', 1));
    expect(list.map((j) => j.id)).toEqual(['b', 'a']);
    expect(upsertRecord(list, job('a', 4, 'pending'))[1].status).toBe('running');
    expect(upsertRecord(list, job('a', 6, 'succeeded'))[1].status).toBe('succeeded');
  });
});
