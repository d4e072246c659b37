import { useCallback, useEffect, useRef, useState } from 'react';
import type { DeskError } from '../api/types';

export interface Toast {
  id: number;
  error: DeskError;
}

const LIFETIME_MS = 10_000;
const MAX_VISIBLE = 3;

export interface Toasts {
  toasts: Toast[];
  notify: (error: DeskError) => void;
  dismiss: (id: number) => void;
}

export function useToasts(): Toasts {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    const timer = timers.current.get(id);
    if (timer !== undefined) clearTimeout(timer);
    timers.current.delete(id);
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);

  const notify = useCallback(
    (error: DeskError) => {
      const id = nextId.current++;
      timers.current.set(
        id,
        setTimeout(() => dismiss(id), LIFETIME_MS),
      );
      // A repeated error replaces the older copy instead of stacking.
      setToasts((current) =>
        [...current.filter((t) => t.error.code !== error.code), { id, error }].slice(-MAX_VISIBLE),
      );
    },
    [dismiss],
  );

  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach((timer) => clearTimeout(timer));
  }, []);

  return { toasts, notify, dismiss };
}
