// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../../i18n';
import { commandsCalled, renderWithBackend } from '../../testing/renderWithBackend';
import { MeetingsScreen } from '../MeetingsScreen';
import { formatTimestamp, turnsOf } from './format';

beforeEach(async () => {
  await i18n.changeLanguage('en');
  Element.prototype.scrollIntoView = vi.fn();
});

afterEach(() => {
  cleanup();
  clearMocks();
});

const items = () => screen.getAllByTestId('meeting-item');
const view = () => screen.getByTestId('meeting-view');

describe('meetings', () => {
  it('lists the meetings, follows the one a restart interrupted, and shows everything Tingwu wrote', async () => {
    const { backend } = renderWithBackend(<MeetingsScreen notify={vi.fn()} />, { imageStepMs: 5 });
    await waitFor(() => expect(items()).toHaveLength(4));
    expect(commandsCalled(backend, 'resume_meetings')).toHaveLength(1);
    // The newest was left running; it is shown first and finishes in place.
    await waitFor(() => expect(view().dataset.status).toBe('succeeded'));
    expect(items()[0].dataset.status).toBe('succeeded');

    const meeting = view();
    expect(within(meeting).getByRole('heading', { level: 2 }).textContent).toBe('design-review.m4a');
    expect(within(meeting).getByTestId('meeting-summary').textContent).toContain('The team reviewed the 0.5 release');
    expect(within(within(meeting).getByTestId('meeting-keywords')).getAllByRole('listitem').map((li) => li.textContent)).toContain('dictation');
    const chapters = within(meeting).getByTestId('meeting-chapters');
    expect(chapters.textContent).toContain('00:00–00:31');
    expect(chapters.textContent).toContain('Release status and QA findings');
    expect(within(meeting).getByTestId('meeting-actions').textContent).toContain('Mei: fix the microphone permission prompt');
    // Speakers are numbered in the order they first speak; consecutive sentences are one turn.
    const turns = within(within(meeting).getByTestId('meeting-transcript')).getAllByRole('listitem');
    expect(turns[0].textContent).toContain('Speaker 1');
    expect(turns[0].textContent).toContain('Voice input and the meetings screen are both merged');
    expect(turns[1].textContent).toContain('Speaker 2');
    expect(turns[1].textContent).toContain('00:14');

    // A chapter's time jumps to that place in the transcript.
    fireEvent.click(within(chapters).getByRole('button', { name: 'Go to 00:47 in the transcript' }));
    expect(turns.find((turn) => turn.dataset.jumped)?.textContent).toContain('pricing');
  });

  it('shows a failed meeting in the error doctor’s words with Tingwu’s code', async () => {
    renderWithBackend(<MeetingsScreen notify={vi.fn()} />, { imageStepMs: 5 });
    await waitFor(() => expect(items()).toHaveLength(4));
    fireEvent.click(items().find((item) => item.textContent?.includes('all-hands.wav'))!);
    const error = await screen.findByTestId('meeting-error');
    expect(error.dataset.errorCode).toBe('bad_request');
    expect(error.textContent).toContain('Bailian rejected the request.');
    expect(error.textContent).toContain('The audio file link could not be downloaded (HTTP 403).');
    expect(within(error).getByTestId('meeting-tingwu-code').textContent).toBe('Tingwu’s code: TSC.AudioFileLinkError');
    expect(within(view()).queryByTestId('meeting-transcript')).toBeNull();
  });

  it('transcribes a recording from its URL with live status, and refuses what Tingwu cannot reach', async () => {
    const { backend } = renderWithBackend(<MeetingsScreen notify={vi.fn()} />, { imageStepMs: 20 });
    await waitFor(() => expect(items()).toHaveLength(4));
    const url = screen.getByTestId<HTMLInputElement>('meeting-url');
    const submit = screen.getByTestId<HTMLButtonElement>('meeting-submit');

    fireEvent.change(url, { target: { value: '/home/lin/meeting.mp3' } });
    fireEvent.blur(url);
    expect(submit.disabled).toBe(true);
    expect(url.getAttribute('aria-invalid')).toBe('true');

    fireEvent.change(url, { target: { value: 'https://oss.example.com/recordings/roadmap.mp3' } });
    fireEvent.click(submit);
    expect(url.value).toBe('');
    const seen = new Set<string>();
    await waitFor(
      () => {
        seen.add(view().dataset.status ?? '');
        expect(view().dataset.status).toBe('succeeded');
      },
      { interval: 5 },
    );
    expect([...seen]).toContain('running');
    expect(items()).toHaveLength(5);
    expect(items()[0].getAttribute('aria-current')).toBe('true');
    expect(within(view()).getByRole('heading', { level: 2 }).textContent).toBe('roadmap.mp3');
    expect(commandsCalled(backend, 'transcribe_meeting')).toEqual([expect.objectContaining({ fileUrl: 'https://oss.example.com/recordings/roadmap.mp3' })]);
  });

  it('formats times and groups turns', () => {
    expect(formatTimestamp(754_000)).toBe('12:34');
    expect(formatTimestamp(3_754_000)).toBe('1:02:34');
    const turns = turnsOf([
      { speaker: '1', beginMs: 0, endMs: 1, text: 'a' },
      { speaker: '1', beginMs: 1, endMs: 2, text: 'b' },
      { speaker: '2', beginMs: 2, endMs: 3, text: 'c' },
    ]);
    expect(turns.map((t) => [t.speaker, t.sentences.length, t.beginMs, t.endMs])).toEqual([
      ['1', 2, 0, 2],
      ['2', 1, 2, 3],
    ]);
  });
});
