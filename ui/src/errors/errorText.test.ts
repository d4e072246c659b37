import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../api/types';
import { toDeskError } from '../api/deskError';
import i18n from '../i18n';
import { errorText } from './errorText';

describe('errorText', () => {
  for (const language of ['en', 'zh-CN'] as const) {
    const t = i18n.getFixedT(language);
    it.each(ERROR_CODES)(`has a ${language} title and hint for %s`, (code) => {
      const text = errorText(t, code);
      expect(text.title).not.toBe(`errors.${code}.title`);
      expect(text.hint).not.toBe(`errors.${code}.hint`);
      expect(text.title.trim()).not.toBe('');
      expect(text.hint.trim()).not.toBe('');
      expect(text.title).not.toContain(code);
    });
  }

  it('words the invalid key error with a region hint', () => {
    expect(errorText(i18n.getFixedT('en'), 'invalid_api_key')).toEqual({
      title: 'The API key was refused.',
      hint: 'Check that it belongs to this region.',
    });
  });

  it('differs between the two languages', () => {
    const en = errorText(i18n.getFixedT('en'), 'network');
    const zh = errorText(i18n.getFixedT('zh-CN'), 'network');
    expect(zh.title).not.toBe(en.title);
  });
});

describe('toDeskError', () => {
  it('keeps a DeskError from the backend', () => {
    const error = {
      code: 'rate_limited',
      message: 'slow down',
      dashscopeCode: 'Throttling',
      requestId: 'req-1',
      retryAfterMs: 2000,
    };
    expect(toDeskError(error)).toEqual(error);
  });

  it('fills missing optional fields with null', () => {
    expect(toDeskError({ code: 'network', message: 'down' })).toEqual({
      code: 'network',
      message: 'down',
      dashscopeCode: null,
      requestId: null,
      retryAfterMs: null,
    });
  });

  it('turns strings, Errors and unknown codes into internal errors', () => {
    expect(toDeskError('command send_message not found').code).toBe('internal');
    expect(toDeskError(new Error('boom')).message).toBe('boom');
    expect(toDeskError({ code: 'weird', message: 'x' }).code).toBe('internal');
  });
});
