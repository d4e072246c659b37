import { useEffect, useState } from 'react';
import { listModels } from '../../api/desk';
import type { DeskError, ModelKind, ModelView } from '../../api/types';

/** The registry's models of one kind; `fallback` until (or unless) the list arrives. */
export function useModelsOfKind(kind: ModelKind, fallback: string[], notify: (error: DeskError) => void): ModelView[] | string[] {
  const [models, setModels] = useState<ModelView[] | null>(null);
  useEffect(() => {
    let live = true;
    listModels().then(
      (list) => live && setModels(list.filter((m) => m.kind === kind)),
      (error: DeskError) => live && notify(error),
    );
    return () => {
      live = false;
    };
  }, [kind, notify]);
  return models && models.length > 0 ? models : fallback;
}

export function modelIds(models: ModelView[] | string[]): string[] {
  return models.map((m) => (typeof m === 'string' ? m : m.id));
}
