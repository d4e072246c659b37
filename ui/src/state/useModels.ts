import { useEffect, useMemo, useState } from 'react';
import { listModels } from '../api/desk';
import type { DeskError, ModelView } from '../api/types';

export interface ModelGroup {
  family: string;
  models: ModelView[];
}

export interface Models {
  /** Chat models only: the others (images, speech, embeddings) have screens of their own. */
  chatModels: ModelView[];
  groups: ModelGroup[];
  byId: ReadonlyMap<string, ModelView>;
}

/**
 * The registry's models. Until they arrive (or if listing fails or finds none) the status's plain ids stand in,
 * as unknown models with the conservative defaults the core gives them.
 */
export function useModels(fallbackIds: readonly string[], notify: (error: DeskError) => void): Models {
  const [listed, setListed] = useState<ModelView[] | null>(null);

  useEffect(() => {
    let current = true;
    listModels().then(
      (models) => current && setListed(models),
      (error: DeskError) => current && notify(error),
    );
    return () => {
      current = false;
    };
  }, [notify]);

  return useMemo(() => {
    const all = listed && listed.length > 0 ? listed : fallbackIds.map(unknownModel);
    return modelsFrom(all);
  }, [listed, fallbackIds]);
}

export function modelsFrom(all: readonly ModelView[]): Models {
  const chatModels = all.filter((m) => m.kind === 'chat');
  const groups = new Map<string, ModelView[]>();
  for (const m of chatModels) {
    const list = groups.get(m.family);
    if (list) list.push(m);
    else groups.set(m.family, [m]);
  }
  return {
    chatModels,
    groups: [...groups].map(([family, models]) => ({ family, models })),
    byId: new Map(all.map((m) => [m.id, m])),
  };
}

export function unknownModel(id: string): ModelView {
  return {
    id,
    family: id.split(/[-.]/)[0] || id,
    kind: 'chat',
    acceptsImages: false,
    acceptsVideo: false,
    singleTurn: false,
    thinking: 'none',
    search: false,
    tools: false,
    maxContextTokens: 0,
    maxOutputTokens: 0,
    inputPricePer1k: null,
    outputPricePer1k: null,
    priceAsOf: null,
    known: false,
  };
}
