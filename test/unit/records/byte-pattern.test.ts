// The byte matcher of simple anchored patterns must agree with the RegExp it stands for, on every input.
import { describe, expect, it } from 'vitest';
import { compileBytePattern } from '../../../src/records/fast/pattern.ts';
import { Random } from '../../../src/sample/random.ts';

const PATTERNS = ['^u[0-9]{6}$', '^[A-Z]{2}$', '^[a-z0-9_-]+$', '^\\d{3}-\\d{2,4}$', '^ab?$', '^x[A-Fa-f0-9]*$', '^$'];
const ALPHABET = 'u0123456789ABZaz_- xF.';

describe('compileBytePattern', () => {
  it('agrees with RegExp on random ASCII strings', () => {
    const rnd = new Random(7);
    for (const source of PATTERNS) {
      const matcher = compileBytePattern(source);
      expect(matcher, source).toBeDefined();
      const regex = new RegExp(source, 'u');
      for (let n = 0; n < 5000; n++) {
        const length = rnd.int(0, 9);
        let text = '';
        for (let i = 0; i < length; i++) text += ALPHABET[rnd.int(0, ALPHABET.length - 1)];
        if (rnd.chance(0.3)) text = 'u' + String(rnd.int(0, 9999999)).padStart(6, '0');
        const bytes = Buffer.from(text, 'latin1');
        expect(matcher?.test(bytes, 0, bytes.length), `${source} on ${JSON.stringify(text)}`).toBe(regex.test(text));
      }
    }
  });

  it('leaves anything it cannot match without backtracking to RegExp', () => {
    for (const source of ['u[0-9]{6}', '^a+b$', '^(ab)+$', '^[^a]$', '^a|b$', '^.$', '^\\w+$'])
      expect(compileBytePattern(source), source).toBeUndefined();
  });
});
