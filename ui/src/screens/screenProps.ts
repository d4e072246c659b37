import type { DeskError } from '../api/types';

/** What every screen of the workspace receives from it. */
export interface ScreenProps {
  /** Shows an error as the error doctor's message, in a toast. */
  notify: (error: DeskError) => void;
}
