// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../../i18n';
import type { ImageTaskView } from '../../api/types';
import { commandsCalled, renderWithBackend } from '../../testing/renderWithBackend';
import { ImageStudio } from '../ImageStudio';

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

afterEach(() => {
  cleanup();
  clearMocks();
});

const statuses = () => screen.getAllByTestId('image-task').map((t) => t.dataset.status);

describe('image studio', () => {
  it('follows a new task through its statuses to its pictures', async () => {
    const { backend } = renderWithBackend(<ImageStudio notify={vi.fn()} />, { imageStepMs: 30 });
    await waitFor(() => expect(screen.getAllByTestId('image-task').length).toBeGreaterThan(3));

    fireEvent.change(screen.getByTestId('image-prompt'), { target: { value: 'A lighthouse at dawn' } });
    fireEvent.change(screen.getByTestId('image-negative'), { target: { value: 'people' } });
    fireEvent.change(screen.getByTestId('image-count'), { target: { value: '2' } });
    fireEvent.change(screen.getByTestId('image-seed'), { target: { value: '1234' } });
    fireEvent.click(screen.getByTestId('image-create'));

    const seen = new Set<string>();
    await waitFor(
      () => {
        const [first] = screen.getAllByTestId('image-task');
        seen.add(first.dataset.status ?? '');
        expect(first.dataset.status).toBe('succeeded');
      },
      { interval: 5 },
    );
    expect([...seen]).toEqual(expect.arrayContaining(['pending', 'running', 'succeeded']));
    const [first] = screen.getAllByTestId('image-task');
    expect(within(first).getByText('A lighthouse at dawn')).toBeTruthy();
    expect(within(first).getByText('1234')).toBeTruthy();
    expect(within(first).getByText('people')).toBeTruthy();
    await waitFor(() => expect(within(first).getAllByRole('img')).toHaveLength(2));
    expect(commandsCalled(backend, 'create_image')[0].job).toMatchObject({ prompt: 'A lighthouse at dawn', n: 2, seed: 1234, negativePrompt: 'people' });
  });

  it('resumes the task a restart interrupted and shows why failed images failed', async () => {
    renderWithBackend(<ImageStudio notify={vi.fn()} />, { imageStepMs: 5 });
    await waitFor(() => expect(statuses()).toContain('running'));
    await waitFor(() => expect(statuses()).not.toContain('running'));
    expect(statuses()[0]).toBe('succeeded');

    const partial = screen.getAllByTestId('image-task').find((t) => t.dataset.status === 'partial')!;
    expect(within(partial).getByTestId('image-failed').textContent).toContain('Blocked by the content safety filter.');
    const failed = screen.getAllByTestId('image-task').find((t) => t.dataset.status === 'failed')!;
    expect(within(failed).getByTestId('image-task-error').textContent).toContain('Bailian refused the parameters.');
  });

  it('revokes its object URLs when it goes away', async () => {
    const { unmount, urls } = renderWithBackend(<ImageStudio notify={vi.fn()} />);
    await waitFor(() => expect(screen.getAllByRole('img').length).toBeGreaterThan(2));
    const made = urls.created.mock.results.map((r) => r.value as string);
    unmount();
    const revoked = urls.revoked.mock.calls.map((c) => c[0]);
    expect(revoked.sort()).toEqual(made.sort());
  });
});

describe('editing an image', () => {
  beforeEach(() => {
    Element.prototype.scrollIntoView = vi.fn();
  });

  it('edits a stored picture with qwen-image-edit: the job carries its id, the task shows it', async () => {
    const { backend } = renderWithBackend(<ImageStudio notify={vi.fn()} />, { imageStepMs: 5 });
    await waitFor(() => expect(screen.getAllByTestId('image-edit').length).toBeGreaterThan(2));
    expect(screen.queryByTestId('edit-input')).toBeNull();

    const panda = screen.getAllByTestId('image-task').find((t) => t.textContent?.includes('A red panda reading'))!;
    const [tile] = within(panda).getAllByTestId('image-stored');
    fireEvent.click(within(tile).getByTestId('image-edit'));
    expect(screen.getByTestId<HTMLSelectElement>('image-model').value).toBe('qwen-image-edit');
    await waitFor(() => expect(within(screen.getByTestId('edit-input-preview')).getByRole('img')).toBeTruthy());
    // An edit keeps the picture's size and makes one image.
    expect(screen.queryByTestId('image-size')).toBeNull();

    fireEvent.change(screen.getByTestId('image-prompt'), { target: { value: 'Make it winter' } });
    fireEvent.click(screen.getByTestId('image-create'));
    await waitFor(() => expect(screen.getAllByTestId('image-task')[0].dataset.status).toBe('succeeded'));

    const views = (await backend.handle('list_image_tasks', {})) as ImageTaskView[];
    const pandaImage = views.find((v) => v.task.prompt.startsWith('A red panda reading'))!.images[0];
    expect(commandsCalled(backend, 'create_image')[0].job).toEqual({
      model: 'qwen-image-edit',
      prompt: 'Make it winter',
      negativePrompt: null,
      size: null,
      n: 1,
      seed: null,
      inputImageId: pandaImage.id,
      inputImage: null,
    });
    const edited = screen.getAllByTestId('image-task')[0];
    await waitFor(() => expect(within(within(edited).getByTestId('image-task-input')).getByRole('img')).toBeTruthy());
    expect(commandsCalled(backend, 'image_input_data').some((c) => c.position === 0)).toBe(true);
  });

  it('edits an uploaded file, sent as the job\'s input bytes', async () => {
    const { backend } = renderWithBackend(<ImageStudio notify={vi.fn()} />, { imageStepMs: 5 });
    await waitFor(() => expect(screen.getAllByTestId('image-task').length).toBeGreaterThan(3));
    fireEvent.change(screen.getByTestId('image-model'), { target: { value: 'qwen-image-edit' } });
    expect(screen.getByTestId<HTMLButtonElement>('image-create').disabled).toBe(true);
    const png = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'sketch.png', { type: 'image/png' });
    fireEvent.change(screen.getByTestId('edit-upload-input'), { target: { files: [png] } });
    await waitFor(() => expect(within(screen.getByTestId('edit-input-preview')).getByRole('img').getAttribute('alt')).toBe('sketch.png'));
    fireEvent.change(screen.getByTestId('image-prompt'), { target: { value: 'Colour it in' } });
    fireEvent.click(screen.getByTestId('image-create'));
    await waitFor(() => expect(commandsCalled(backend, 'create_image')).toHaveLength(1));
    expect(commandsCalled(backend, 'create_image')[0].job).toMatchObject({
      model: 'qwen-image-edit',
      inputImageId: null,
      inputImage: { mime: 'image/png', base64: 'iVBORw==' },
    });
    // The task runs to its end inside the test, not after the test environment is gone.
    await waitFor(() => expect(screen.getAllByTestId('image-task')[0].dataset.status).toBe('succeeded'));

    // Back to a text-to-image model: the input is dropped, not sent.
    fireEvent.change(screen.getByTestId('image-model'), { target: { value: 'wanx2.1-t2i-turbo' } });
    expect(screen.queryByTestId('edit-input')).toBeNull();
  });
});

