import type { Message } from '../api/types';
import type { ErrorAction } from '../errors/errorActions';

/**
 * What a message row can ask of the chat. One stable object for all rows, so handing it down
 * never breaks their memoisation.
 */
export interface MessageActions {
  remove: (messageId: string) => void;
  regenerate: (assistantMessageId: string) => void;
  continueReply: (assistantMessageId: string) => void;
  /** Sends `prompt` as a new version of the prompt `message` (its sibling), keeping the original branch. */
  editAndResend: (message: Message, prompt: string) => void;
  stepBranch: (messageId: string, step: number) => void;
  errorAction: (action: ErrorAction, message: Message) => void;
}
