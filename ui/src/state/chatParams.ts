// The request parameters a person can type (tools as JSON, stop sequences, seed, max tokens), read
// and checked here so the panel can say what is wrong next to the field and never save it.
import type { ChatParams, ModelView, ToolChoice, ToolDefinition } from '../api/types';

/** Every field at the model's default: what a chat without settings sends. */
export const NO_PARAMS: ChatParams = {
  temperature: null,
  enableThinking: null,
  enableSearch: false,
  systemPrompt: null,
  tools: [],
  toolChoice: null,
  responseFormat: 'text',
  seed: null,
  stop: [],
  maxTokens: null,
};

/** Parameters stored before a field existed come back without it: fill in the defaults. */
export function withDefaults(params: Partial<ChatParams> | null | undefined): ChatParams {
  return { ...NO_PARAMS, ...(params ?? {}) };
}

/** The API takes at most four stop sequences. */
export const MAX_STOP_SEQUENCES = 4;
/** Seeds are 0 ≤ seed < 2^31. */
export const MAX_SEED = 2 ** 31 - 1;
/** Function names as the API accepts them. */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export type ToolsProblem =
  | { kind: 'json'; detail: string }
  | { kind: 'notArray' }
  | { kind: 'notObject'; index: number }
  | { kind: 'name'; index: number }
  | { kind: 'duplicate'; index: number; name: string }
  | { kind: 'description'; index: number }
  | { kind: 'parameters'; index: number };

export type Parsed<T, P> = { ok: true; value: T } | { ok: false; problem: P };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON array of `{ name, description, parameters }` (the API's `function` objects; the full
 * `{ type: "function", function: {…} }` form is accepted too, as people paste it from the docs).
 * Empty text is no tools.
 */
export function parseTools(text: string): Parsed<ToolDefinition[], ToolsProblem> {
  if (text.trim() === '') return { ok: true, value: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: { kind: 'json', detail: error instanceof Error ? error.message : String(error) } };
  }
  if (!Array.isArray(parsed)) return { ok: false, problem: { kind: 'notArray' } };
  const tools: ToolDefinition[] = [];
  const names = new Set<string>();
  for (let index = 0; index < parsed.length; index++) {
    let item: unknown = parsed[index];
    if (isPlainObject(item) && item.type === 'function' && isPlainObject(item.function)) item = item.function;
    if (!isPlainObject(item)) return { ok: false, problem: { kind: 'notObject', index } };
    const { name, description, parameters } = item;
    if (typeof name !== 'string' || !TOOL_NAME.test(name)) return { ok: false, problem: { kind: 'name', index } };
    if (names.has(name)) return { ok: false, problem: { kind: 'duplicate', index, name } };
    names.add(name);
    if (description !== undefined && typeof description !== 'string') return { ok: false, problem: { kind: 'description', index } };
    // A JSON Schema of the arguments: an object schema (the API rejects anything else).
    if (parameters !== undefined && !(isPlainObject(parameters) && (parameters.type === undefined || parameters.type === 'object'))) {
      return { ok: false, problem: { kind: 'parameters', index } };
    }
    tools.push({
      name,
      description: description ?? '',
      parameters: parameters ?? { type: 'object', properties: {} },
    });
  }
  return { ok: true, value: tools };
}

/** The tools as the editor shows them. */
export function toolsText(tools: readonly ToolDefinition[]): string {
  return tools.length === 0 ? '' : JSON.stringify(tools, null, 2);
}

export type NumberProblem = 'notInteger' | 'tooSmall' | 'tooLarge';

function parseInteger(text: string, min: number, max: number): Parsed<number | null, NumberProblem> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: null };
  if (!/^-?\d+$/.test(trimmed)) return { ok: false, problem: 'notInteger' };
  const value = Number(trimmed);
  if (value < min) return { ok: false, problem: 'tooSmall' };
  if (value > max) return { ok: false, problem: 'tooLarge' };
  return { ok: true, value };
}

/** Empty: no seed. */
export function parseSeed(text: string): Parsed<number | null, NumberProblem> {
  return parseInteger(text, 0, MAX_SEED);
}

/** The most a reply of this model may be, when the registry knows it. */
export function outputLimit(model: ModelView | undefined): number | null {
  return model && model.known && model.maxOutputTokens > 0 ? model.maxOutputTokens : null;
}

/** Empty: the model's own limit. `limit` is the model's output limit when known. */
export function parseMaxTokens(text: string, limit: number | null): Parsed<number | null, NumberProblem> {
  return parseInteger(text, 1, limit ?? Number.MAX_SAFE_INTEGER);
}

export type StopProblem = 'tooMany' | 'duplicate';

/** Blank entries are dropped; at most four, no repeats. */
export function parseStops(entries: readonly string[]): Parsed<string[], StopProblem> {
  const stops = entries.filter((s) => s !== '');
  if (stops.length > MAX_STOP_SEQUENCES) return { ok: false, problem: 'tooMany' };
  if (new Set(stops).size !== stops.length) return { ok: false, problem: 'duplicate' };
  return { ok: true, value: stops };
}

export type ToolChoiceProblem = 'unknownFunction';

/** A named function must be one of the tools. With no tools the choice is moot: none is sent. */
export function checkToolChoice(choice: ToolChoice | null, tools: readonly ToolDefinition[]): Parsed<ToolChoice | null, ToolChoiceProblem> {
  if (tools.length === 0) return { ok: true, value: null };
  if (choice !== null && typeof choice === 'object' && !tools.some((tool) => tool.name === choice.function)) {
    return { ok: false, problem: 'unknownFunction' };
  }
  return { ok: true, value: choice };
}

/** The API asks for JSON output only when the word "JSON" is in the prompt or the system prompt. */
export function mentionsJson(...texts: readonly (string | null | undefined)[]): boolean {
  return texts.some((text) => typeof text === 'string' && /json/i.test(text));
}

/** True when anything other than the defaults is set (the header's button shows it). */
export function isCustomised(params: ChatParams): boolean {
  return (
    params.systemPrompt !== null ||
    params.temperature !== null ||
    params.enableThinking !== null ||
    params.enableSearch ||
    params.tools.length > 0 ||
    params.responseFormat === 'json_object' ||
    params.seed !== null ||
    params.stop.length > 0 ||
    params.maxTokens !== null
  );
}

/** A stop sequence as typed in a one-line field: `\n` is a line break, `\t` a tab, `\\` a backslash. */
export function decodeStop(typed: string): string {
  return typed.replace(/\\(\\|n|t)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

/** The reverse of `decodeStop`, for showing a stored stop sequence in a field. */
export function encodeStop(stop: string): string {
  return stop.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** An example for the tools editor: one function, as the API documents them. */
export const EXAMPLE_TOOLS = `[
  {
    "name": "get_weather",
    "description": "The weather forecast for a city on a given day.",
    "parameters": {
      "type": "object",
      "properties": {
        "city": { "type": "string", "description": "City name, e.g. Hangzhou" },
        "date": { "type": "string", "description": "A day, e.g. tomorrow or 2025-06-01" }
      },
      "required": ["city"]
    }
  }
]`;
