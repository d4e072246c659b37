import { describe, expect, it } from 'vitest';
import { aModel } from '../testing/fixtures';
import {
  checkToolChoice,
  decodeStop,
  encodeStop,
  EXAMPLE_TOOLS,
  isCustomised,
  mentionsJson,
  NO_PARAMS,
  outputLimit,
  parseMaxTokens,
  parseSeed,
  parseStops,
  parseTools,
  toolsText,
  withDefaults,
} from './chatParams';

const weather = { name: 'get_weather', description: 'Forecast', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

describe('parseTools', () => {
  it('reads a list of functions, filling in what may be left out', () => {
    const parsed = parseTools(JSON.stringify([weather, { name: 'now' }]));
    expect(parsed).toEqual({ ok: true, value: [weather, { name: 'now', description: '', parameters: { type: 'object', properties: {} } }] });
  });

  it('accepts the API’s { type: "function", function } wrapper', () => {
    expect(parseTools(JSON.stringify([{ type: 'function', function: weather }]))).toEqual({ ok: true, value: [weather] });
  });

  it('takes empty text as no tools and the example as one tool', () => {
    expect(parseTools('  ')).toEqual({ ok: true, value: [] });
    const example = parseTools(EXAMPLE_TOOLS);
    expect(example.ok && example.value.map((t) => t.name)).toEqual(['get_weather']);
  });

  it.each([
    ['[{"name": "a",}]', 'json'],
    ['{"name": "a"}', 'notArray'],
    ['[1]', 'notObject'],
    ['[{"description": "no name"}]', 'name'],
    ['[{"name": "has space"}]', 'name'],
    [`[{"name": "${'x'.repeat(65)}"}]`, 'name'],
    ['[{"name": "a"}, {"name": "a"}]', 'duplicate'],
    ['[{"name": "a", "description": 3}]', 'description'],
    ['[{"name": "a", "parameters": []}]', 'parameters'],
    ['[{"name": "a", "parameters": {"type": "string"}}]', 'parameters'],
  ])('refuses %s (%s)', (text, kind) => {
    const parsed = parseTools(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem.kind).toBe(kind);
  });

  it('names the item that is wrong', () => {
    const parsed = parseTools('[{"name": "ok"}, {"name": "not ok"}]');
    expect(parsed).toEqual({ ok: false, problem: { kind: 'name', index: 1 } });
  });

  it('round-trips through the editor text', () => {
    expect(parseTools(toolsText([weather]))).toEqual({ ok: true, value: [weather] });
    expect(toolsText([])).toBe('');
  });
});

describe('numbers', () => {
  it('reads a seed from 0 to 2^31 - 1', () => {
    expect(parseSeed('')).toEqual({ ok: true, value: null });
    expect(parseSeed(' 42 ')).toEqual({ ok: true, value: 42 });
    expect(parseSeed('2147483647')).toEqual({ ok: true, value: 2_147_483_647 });
    expect(parseSeed('2147483648')).toEqual({ ok: false, problem: 'tooLarge' });
    expect(parseSeed('-1')).toEqual({ ok: false, problem: 'tooSmall' });
    expect(parseSeed('1.5')).toEqual({ ok: false, problem: 'notInteger' });
    expect(parseSeed('abc')).toEqual({ ok: false, problem: 'notInteger' });
  });

  it('bounds max tokens by the model’s output limit when it is known', () => {
    expect(parseMaxTokens('8192', 8192)).toEqual({ ok: true, value: 8192 });
    expect(parseMaxTokens('8193', 8192)).toEqual({ ok: false, problem: 'tooLarge' });
    expect(parseMaxTokens('0', 8192)).toEqual({ ok: false, problem: 'tooSmall' });
    expect(parseMaxTokens('100000', null)).toEqual({ ok: true, value: 100_000 });
    expect(outputLimit(aModel({ id: 'q', maxOutputTokens: 8192 }))).toBe(8192);
    expect(outputLimit(aModel({ id: 'q', known: false }))).toBeNull();
    expect(outputLimit(undefined)).toBeNull();
  });
});

describe('stop sequences', () => {
  it('drops blanks, allows four, refuses repeats', () => {
    expect(parseStops(['END', '', '###'])).toEqual({ ok: true, value: ['END', '###'] });
    expect(parseStops(['a', 'b', 'c', 'd', 'e'])).toEqual({ ok: false, problem: 'tooMany' });
    expect(parseStops(['a', 'a'])).toEqual({ ok: false, problem: 'duplicate' });
  });

  it('writes line breaks as \\n in a one-line field and reads them back', () => {
    expect(decodeStop('\\n\\nUser:')).toBe('\n\nUser:');
    expect(decodeStop('a\\\\nb')).toBe('a\\nb');
    expect(encodeStop('\n\t\\')).toBe('\\n\\t\\\\');
    for (const stop of ['\n\n', 'a\\b', 'tab\there']) expect(decodeStop(encodeStop(stop))).toBe(stop);
  });
});

describe('tool choice and JSON', () => {
  it('needs a forced function to be one of the tools', () => {
    expect(checkToolChoice({ function: 'get_weather' }, [weather])).toEqual({ ok: true, value: { function: 'get_weather' } });
    expect(checkToolChoice({ function: 'gone' }, [weather])).toEqual({ ok: false, problem: 'unknownFunction' });
    expect(checkToolChoice('none', [])).toEqual({ ok: true, value: null });
  });

  it('finds the word JSON anywhere, in any case', () => {
    expect(mentionsJson('Reply in json please', null)).toBe(true);
    expect(mentionsJson('Hello', 'Answer as JSON')).toBe(true);
    expect(mentionsJson('Hello', null)).toBe(false);
  });

  it('fills in fields stored before they existed and sees what is customised', () => {
    expect(withDefaults({ temperature: 0.3, enableThinking: null, enableSearch: false, systemPrompt: null })).toEqual({ ...NO_PARAMS, temperature: 0.3 });
    expect(isCustomised(NO_PARAMS)).toBe(false);
    expect(isCustomised({ ...NO_PARAMS, stop: ['END'] })).toBe(true);
    expect(isCustomised({ ...NO_PARAMS, responseFormat: 'json_object' })).toBe(true);
  });
});
