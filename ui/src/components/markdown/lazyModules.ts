import { useSyncExternalStore } from 'react';
import type { Highlighter } from './highlighter';
import type { MathRenderer } from './mathRenderer';

// Highlighting and math are heavy (KaTeX alone is larger than the rest of the app's code) and
// most replies need neither, so they load on first use. Replies render at once with plain code
// and formula sources, and re-render once when the module arrives.
interface Modules {
  highlight: Highlighter | null;
  math: MathRenderer | null;
}

export type LazyModule = keyof Modules;

const modules: Modules = { highlight: null, math: null };
const loading: Partial<Record<LazyModule, Promise<void>>> = {};
let version = 0;
const listeners = new Set<() => void>();

const importers: { [K in LazyModule]: () => Promise<NonNullable<Modules[K]>> } = {
  highlight: () => import('./highlighter').then((m) => m.highlighter),
  math: () => import('./mathRenderer').then((m) => m.mathRenderer),
};

export function loadedModules(): Readonly<Modules> {
  return modules;
}

export function loadModule(name: LazyModule): Promise<void> {
  const pending = loading[name];
  if (pending) return pending;
  const promise = importers[name]().then(
    (module) => {
      (modules as Record<LazyModule, unknown>)[name] = module;
      version += 1;
      for (const listener of listeners) listener();
    },
    () => {
      // A failed chunk load (rare: the files are local) is tried again on the next need.
      delete loading[name];
    },
  );
  loading[name] = promise;
  return promise;
}

/** Loads both now (tests, and anything that must render fully at once). */
export function loadAllModules(): Promise<void> {
  return Promise.all([loadModule('highlight'), loadModule('math')]).then(() => undefined);
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Changes whenever a module arrives, so blocks rendered without it can render again. */
export function useModulesVersion(): number {
  return useSyncExternalStore(
    subscribe,
    () => version,
    () => version,
  );
}
