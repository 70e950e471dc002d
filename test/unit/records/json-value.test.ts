// decodeJsonText: the one exact JSON decoder (depth limit, duplicate keys, exact number texts), on generated
// hostile texts: it never throws, never recurses into what the input nests, and agrees with JSON.parse on
// everything it accepts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJsonText, exactDecimal, exactNumberTexts, MAX_JSON_DEPTH } from '../../../src/formats/json-value.ts';

/** `depth` levels of arrays (or objects) around `inner`. */
function nested(depth: number, inner: string, objects = false): string {
  const open = objects ? '{"k":' : '[';
  const close = objects ? '}' : ']';
  return open.repeat(depth) + inner + close.repeat(depth);
}

describe('decodeJsonText', () => {
  it(`accepts nesting up to ${MAX_JSON_DEPTH} levels and refuses deeper as too_deep, 10,000 levels included`, () => {
    expect(decodeJsonText(nested(MAX_JSON_DEPTH, '1'))).toMatchObject({ ok: true });
    expect(decodeJsonText(nested(MAX_JSON_DEPTH + 1, '1'))).toMatchObject({ ok: false, rule: 'too_deep' });
    for (const objects of [false, true]) {
      const deep = decodeJsonText(`{"a":1,"b":${nested(10_000, 'null', objects)}}`);
      expect(deep).toMatchObject({ ok: false, rule: 'too_deep' });
      if (!deep.ok) expect(deep.path?.startsWith('/b/')).toBe(true);
    }
    // Brackets inside strings are no nesting.
    expect(decodeJsonText(`{"s":"${'['.repeat(10_000)}"}`)).toMatchObject({ ok: true });
  });

  it('property: any depth, any mix of arrays and objects — a verdict, never a throw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.boolean(), fc.boolean(), (depth, objects, truncate) => {
        let text = nested(depth, '0', objects);
        if (truncate) text = text.slice(0, Math.floor(text.length / 2));
        const opened = text.split('').filter((c) => c === '[' || c === '{').length;
        const decoded = decodeJsonText(text);
        if (opened > MAX_JSON_DEPTH) expect(decoded).toMatchObject({ ok: false, rule: 'too_deep' });
        else if (truncate) expect(decoded).toMatchObject({ ok: false, rule: 'json' });
        else expect(decoded).toMatchObject({ ok: true });
      }),
    );
  });

  it('refuses a repeated key in any object, however spelled, equal values included', () => {
    for (const [text, path] of [
      ['{"a":1,"a":2}', '/a'],
      ['{"a":1,"a":1}', '/a'],
      ['{"a":1,"\\u0061":1}', '/a'],
      ['{"x":{"y":[{"k":1},{"k":2,"k":3}]}}', '/x/y/1/k'],
      ['{"a/b":{"~":1,"~":2}}', '/a~1b/~0'],
    ] as const) {
      expect(decodeJsonText(text), text).toMatchObject({ ok: false, rule: 'duplicate_key', path });
    }
    // The same key in different objects, or as a string value, is fine.
    expect(decodeJsonText('{"a":{"a":1},"b":[{"a":1},{"a":"a"}]}')).toMatchObject({ ok: true });
  });

  it('property: agrees with JSON.parse on every document without duplicate keys or deep nesting', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (text) => {
        const decoded = decodeJsonText(text);
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(decoded.value).toEqual(JSON.parse(text));
      }),
    );
  });

  it('keeps the source text of numbers a double would round, by JSON Pointer', () => {
    const decoded = decodeJsonText(
      '{"a":12.300000000000000001,"b":[1.5,1e400,9007199254740993],"c":12.30,"d":1e2,"e":0.1,"f":1.0000}',
    );
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const texts = exactNumberTexts(decoded.value as object);
    expect(texts && Object.fromEntries(texts)).toEqual({
      '/a': '12.300000000000000001',
      '/b/1': '1e400',
      '/b/2': '9007199254740993',
    });
    const plain = decodeJsonText('{"a":1.25,"b":[0.1,-7]}');
    expect(plain.ok && exactNumberTexts(plain.value as object)).toBeUndefined();
  });

  it('exactDecimal gives the exact value of number text, exponents included', () => {
    expect(exactDecimal('12.300000000000000001')).toEqual({
      negative: false,
      digits: '12300000000000000001',
      exponent: -18,
    });
    expect(exactDecimal('-1.50e2')).toEqual({ negative: true, digits: '15', exponent: 1 });
    expect(exactDecimal('-0.000')).toEqual({ negative: false, digits: '', exponent: 0 });
    expect(exactDecimal('007.5')).toEqual({ negative: false, digits: '75', exponent: -1 });
    expect(exactDecimal('Infinity')).toBeUndefined();
  });
});
