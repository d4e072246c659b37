import { ERROR_CODES, type DeskError, type ErrorCode } from './types';

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/**
 * Commands reject with a DeskError, but Tauri itself rejects with a bare string
 * (unknown command, bad arguments) and JS can throw Error objects. Everything the
 * UI shows goes through this so it never has to guess the shape.
 */
export function toDeskError(reason: unknown): DeskError {
  if (typeof reason === 'object' && reason !== null && 'code' in reason && isErrorCode(reason.code)) {
    const r = reason as Partial<DeskError> & { code: ErrorCode };
    return {
      code: r.code,
      message: typeof r.message === 'string' ? r.message : '',
      dashscopeCode: typeof r.dashscopeCode === 'string' ? r.dashscopeCode : null,
      requestId: typeof r.requestId === 'string' ? r.requestId : null,
      retryAfterMs: typeof r.retryAfterMs === 'number' ? r.retryAfterMs : null,
    };
  }
  const message =
    reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'Unknown error';
  return { code: 'internal', message, dashscopeCode: null, requestId: null, retryAfterMs: null };
}
