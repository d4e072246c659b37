// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../../i18n';
import { commandsCalled, renderWithBackend } from '../../testing/renderWithBackend';
import { UsageCockpit } from '../UsageCockpit';
import { customRange, presetRange } from './dateRange';

// jsdom draws no canvas: the charts are checked in the browser tests.
vi.mock('./UsageCharts', () => ({ default: () => <div data-testid="usage-charts" /> }));

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('budget', () => {
  it('is set to block at the limit, changed, and removed', async () => {
    const { backend } = renderWithBackend(<UsageCockpit notify={vi.fn()} />);
    const budget = await screen.findByTestId('budget');
    expect(budget.textContent).toMatch(/of CN¥60\.00 spent this month/);

    fireEvent.click(screen.getByTestId('budget-edit'));
    fireEvent.change(screen.getByTestId('budget-amount'), { target: { value: '-5' } });
    expect(screen.getByText('Enter an amount above zero.')).toBeTruthy();
    expect(screen.getByTestId('budget-save')).toHaveProperty('disabled', true);

    fireEvent.change(screen.getByTestId('budget-amount'), { target: { value: '100000' } });
    fireEvent.click(screen.getByTestId('budget-block'));
    fireEvent.click(screen.getByTestId('budget-save'));
    await waitFor(() => expect(screen.queryByTestId('budget-form')).toBeNull());
    expect(commandsCalled(backend, 'set_budget').at(-1)).toMatchObject({ monthlyCny: 100000, atLimit: 'block' });
    expect(screen.getByTestId('budget').textContent).toContain('CN¥100,000.00');
    expect(screen.getByTestId('budget').textContent).toContain('Stop new calls at the limit');
    expect(screen.getByTestId('budget-level').textContent).toBe('On track');

    fireEvent.click(screen.getByTestId('budget-edit'));
    fireEvent.click(screen.getByTestId('budget-remove'));
    await waitFor(() => expect(screen.getByTestId('budget-level').textContent).toBe('No budget'));
    expect(commandsCalled(backend, 'set_budget').at(-1)).toMatchObject({ monthlyCny: null });
  });

  it('shows a refused save where it happened', async () => {
    const { backend } = renderWithBackend(<UsageCockpit notify={vi.fn()} />);
    fireEvent.click(await screen.findByTestId('budget-edit'));
    backend.failNext('set_budget', { code: 'storage', message: 'disk full', dashscopeCode: null, requestId: null, retryAfterMs: null });
    fireEvent.change(screen.getByTestId('budget-amount'), { target: { value: '10' } });
    fireEvent.click(screen.getByTestId('budget-save'));
    expect((await screen.findByRole('alert')).dataset.errorCode).toBe('storage');
    expect(screen.getByTestId('budget-form')).toBeTruthy();
  });
});

describe('usage', () => {
  it('loads the three groupings of the chosen range and sums them', async () => {
    const { backend } = renderWithBackend(<UsageCockpit notify={vi.fn()} />);
    await screen.findByTestId('usage-charts');
    const groups = commandsCalled(backend, 'usage_totals').map((a) => a.group);
    expect(groups.sort()).toEqual(['conversation', 'day', 'model']);
    expect(screen.getByTestId('usage-summary').textContent).toMatch(/Calls\d/);

    fireEvent.click(screen.getByTestId('range-7d'));
    await waitFor(() => expect(commandsCalled(backend, 'usage_totals')).toHaveLength(6));
    const week = commandsCalled(backend, 'usage_totals').at(-1)!;
    expect(((week.until as number) - (week.since as number)) / 86_400_000).toBeCloseTo(7, 0);
  });
});

describe('date ranges', () => {
  it('count local calendar days with an exclusive end', () => {
    const now = new Date(2025, 5, 15, 13, 0).getTime();
    expect(presetRange('month', now)).toEqual({ since: new Date(2025, 5, 1).getTime(), until: new Date(2025, 5, 16).getTime() });
    expect(customRange('2025-06-03', '2025-06-03')).toEqual({ since: new Date(2025, 5, 3).getTime(), until: new Date(2025, 5, 4).getTime() });
    expect(customRange('2025-06-04', '2025-06-03')).toBeNull();
  });
});
