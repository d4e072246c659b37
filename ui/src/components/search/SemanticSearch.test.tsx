// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../../i18n';
import { mockError } from '../../testing/mockBackend';
import { commandsCalled, renderWithBackend } from '../../testing/renderWithBackend';
import { SearchPalette } from '../SearchPalette';

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

afterEach(() => {
  cleanup();
  clearMocks();
});

function renderPalette() {
  const onPick = vi.fn();
  const notify = vi.fn();
  const rendered = renderWithBackend(<SearchPalette onClose={vi.fn()} onPick={onPick} notify={notify} />);
  return { ...rendered, onPick, notify };
}

describe('search by meaning', () => {
  it('asks semantic_search, shows each hit’s similarity and jumps like an exact hit', async () => {
    const { backend, onPick } = renderPalette();
    fireEvent.click(screen.getByTestId('search-mode-meaning'));
    expect(screen.getByTestId('search-mode-meaning').getAttribute('aria-checked')).toBe('true');
    // What is indexed, and what is not yet.
    expect((await screen.findByTestId('semantic-status')).textContent).toBe('19 messages indexed · 3 not yet');

    fireEvent.change(screen.getByTestId('search-input'), { target: { value: 'probability of an illness after a test' } });
    const hits = await screen.findAllByTestId('search-hit');
    expect(commandsCalled(backend, 'semantic_search')).toEqual([expect.objectContaining({ query: 'probability of an illness after a test', limit: 20 })]);
    expect(commandsCalled(backend, 'search')).toHaveLength(0);
    expect(hits[0].textContent).toContain("Explain Bayes' theorem");
    const similarity = within(hits[0]).getByTestId('search-similarity');
    expect(similarity.getAttribute('aria-label')).toMatch(/^\d+% similar$/);

    fireEvent.click(hits[0]);
    expect(onPick).toHaveBeenCalledWith(expect.objectContaining({ conversationTitle: "Explain Bayes' theorem", score: expect.any(Number) as number }));
  });

  it('indexes what is missing and reports it; a failure is explained in place', async () => {
    const { backend } = renderPalette();
    fireEvent.click(screen.getByTestId('search-mode-meaning'));
    await screen.findByText('19 messages indexed · 3 not yet');

    backend.failNext('index_semantic', mockError('rate_limited', 'Requests rate limit exceeded'));
    fireEvent.click(screen.getByTestId('semantic-index-now'));
    const error = await screen.findByTestId('semantic-error');
    expect(error.dataset.errorCode).toBe('rate_limited');
    expect(error.textContent).toContain('Too many requests right now.');

    fireEvent.click(screen.getByTestId('semantic-index-now'));
    expect((await screen.findByTestId('semantic-report')).textContent).toBe('Embedded 3 messages (377 tokens).');
    expect(screen.getByTestId('semantic-status').textContent).toBe('22 messages indexed · 0 not yet');
    expect(commandsCalled(backend, 'index_semantic')).toHaveLength(2);
    expect(screen.queryByTestId('semantic-error')).toBeNull();
  });

  it('keeps the exact mode on the plain search', async () => {
    const { backend } = renderPalette();
    fireEvent.click(screen.getByTestId('search-mode-exact'));
    fireEvent.change(screen.getByTestId('search-input'), { target: { value: 'quicksort' } });
    await screen.findAllByTestId('search-hit');
    expect(commandsCalled(backend, 'search')).toHaveLength(1);
    expect(commandsCalled(backend, 'semantic_search')).toHaveLength(0);
    expect(screen.queryByTestId('search-similarity')).toBeNull();
    await waitFor(() => expect(screen.queryByTestId('semantic-index')).toBeNull());
  });
});
