import { installMockBackend, type MockOptions, type MockScenario } from './mockBackend';

// Tests choose the situation through the query string: ?scenario=protected&stream=0, say.
const params = new URLSearchParams(window.location.search);
const SCENARIOS: MockScenario[] = ['first-run', 'ready', 'protected'];
const scenario = params.get('scenario');
const number = (name: string): number | undefined => {
  const value = params.get(name);
  return value === null || value.trim() === '' || Number.isNaN(Number(value)) ? undefined : Number(value);
};

const options: MockOptions = {
  scenario: SCENARIOS.find((s) => s === scenario) ?? 'ready',
  streamDelayMs: number('stream'),
  imageStepMs: number('imageStep'),
  sessionMinutes: number('sessionMinutes'),
  endpointFromEnvironment: params.get('endpointEnv') === '1' ? true : undefined,
};

// Undefined options keep the backend's defaults.
const backend = installMockBackend(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)));

declare global {
  interface Window {
    /** For browser tests: expire sessions, queue failures. */
    __mockBackend?: typeof backend;
  }
}
window.__mockBackend = backend;
