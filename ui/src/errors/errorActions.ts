import type { ErrorCode } from '../api/types';

/** What the person can do about an error, offered as a button next to its text. */
export type ErrorAction = 'retry' | 'continue' | 'openSettings' | 'openUsage' | 'chooseModel';

// Each code has at most one action: the one that fixes its usual cause. Codes that only the
// Bailian console (arrears, quota) or time can fix have none; their hint says where to go.
const ACTIONS: Partial<Record<ErrorCode, ErrorAction>> = {
  missing_api_key: 'openSettings',
  invalid_api_key: 'openSettings',
  access_denied: 'openSettings',
  workspace_not_found: 'openSettings',
  key_store_unavailable: 'openSettings',
  key_file_locked: 'openSettings',
  budget_exceeded: 'openUsage',
  model_not_found: 'chooseModel',
  model_not_activated: 'chooseModel',
  unsupported_by_model: 'chooseModel',
  network: 'retry',
  timeout: 'retry',
  rate_limited: 'retry',
  server_error: 'retry',
  internal: 'retry',
  stream_interrupted: 'continue',
};

/**
 * The action for an error where it happened. A cut reply is continued where it stopped; where
 * there is nothing to continue (a failed reply) the same errors are retried instead.
 */
export function errorAction(code: ErrorCode, where: 'partial' | 'failed' | 'notice'): ErrorAction | null {
  const action = ACTIONS[code] ?? null;
  if (action === 'continue') return where === 'partial' ? 'continue' : where === 'failed' ? 'retry' : null;
  if (action === 'retry') return where === 'partial' ? 'continue' : where === 'failed' ? 'retry' : null;
  return action;
}
