import { describe, expect, it } from 'vitest';
import { errorAction } from './errorActions';

describe('errorAction', () => {
  it('continues a cut reply and retries a failed one', () => {
    expect(errorAction('stream_interrupted', 'partial')).toBe('continue');
    expect(errorAction('network', 'partial')).toBe('continue');
    expect(errorAction('network', 'failed')).toBe('retry');
    expect(errorAction('network', 'notice')).toBeNull();
  });

  it('sends configuration problems to settings and budget problems to usage', () => {
    expect(errorAction('invalid_api_key', 'notice')).toBe('openSettings');
    expect(errorAction('budget_exceeded', 'failed')).toBe('openUsage');
    expect(errorAction('model_not_activated', 'failed')).toBe('chooseModel');
  });

  it('offers nothing where only the console or time helps', () => {
    expect(errorAction('arrears', 'failed')).toBeNull();
    expect(errorAction('quota_exhausted', 'failed')).toBeNull();
  });
});
