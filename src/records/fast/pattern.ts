// Simple anchored patterns (`^u[0-9]{6}$`, `^[A-Z]{2}$`, `^[a-z0-9_-]+$`) compiled to a byte matcher, so a
// pattern check on an ASCII column needs no string per value. Only a subset compiles: a sequence of literal
// characters, `\d` and bracket classes without negation, each with an exact count, the last one optionally
// with a range (`{n,m}`, `?`, `+`, `*`) — no backtracking is ever needed. Anything else stays a RegExp.

export interface BytePattern {
  /** Does bytes[start, end) match? (The bytes are ASCII: the scanner only lets ASCII strings through.) */
  test(bytes: Uint8Array, start: number, end: number): boolean;
}

interface Step {
  readonly set: Uint8Array; // 1 for every byte the atom matches
  readonly min: number;
  readonly max: number;
}

export function compileBytePattern(source: string): BytePattern | undefined {
  if (!source.startsWith('^') || !source.endsWith('$') || source.endsWith('\\$')) return undefined;
  const body = source.slice(1, -1);
  const steps: Step[] = [];
  let i = 0;
  while (i < body.length) {
    const atom = parseAtom(body, i);
    if (!atom) return undefined;
    i = atom.next;
    const quantifier = parseQuantifier(body, i);
    if (!quantifier) return undefined;
    i = quantifier.next;
    steps.push({ set: atom.set, min: quantifier.min, max: quantifier.max });
  }
  // Only the last step may vary in length: then matching is a single left-to-right pass.
  if (steps.slice(0, -1).some((s) => s.min !== s.max)) return undefined;
  const fixed = steps.slice(0, -1).reduce((n, s) => n + s.min, 0);
  const last = steps[steps.length - 1];
  return {
    test(bytes, start, end) {
      const length = end - start;
      if (!last) return length === 0;
      const tail = length - fixed;
      if (tail < last.min || tail > last.max) return false;
      let p = start;
      for (const step of steps) {
        const count = step === last ? tail : step.min;
        const set = step.set;
        for (let k = 0; k < count; k++) if (set[bytes[p++] as number] !== 1) return false;
      }
      return true;
    },
  };
}

const SPECIAL = new Set('\\^$.|?*+()[]{}'.split(''));

function parseAtom(body: string, i: number): { set: Uint8Array; next: number } | undefined {
  const set = new Uint8Array(256);
  const c = body[i] as string;
  if (c === '\\') {
    const e = body[i + 1];
    if (e === 'd') {
      set.fill(1, 0x30, 0x3a);
      return { set, next: i + 2 };
    }
    if (e !== undefined && SPECIAL.has(e)) {
      set[e.charCodeAt(0)] = 1;
      return { set, next: i + 2 };
    }
    return undefined;
  }
  if (c === '[') {
    let j = i + 1;
    if (body[j] === '^') return undefined;
    while (j < body.length && body[j] !== ']') {
      let from = body[j] as string;
      if (from === '\\') {
        const e = body[j + 1];
        if (e === 'd') {
          set.fill(1, 0x30, 0x3a);
          j += 2;
          continue;
        }
        if (e === undefined || !(SPECIAL.has(e) || e === '-')) return undefined;
        from = e;
        j++;
      } else if (from === '[') return undefined;
      if (body[j + 1] === '-' && body[j + 2] !== undefined && body[j + 2] !== ']') {
        const to = body[j + 2] as string;
        if (to === '\\' || from.charCodeAt(0) > to.charCodeAt(0)) return undefined;
        if (!ascii(from) || !ascii(to)) return undefined;
        set.fill(1, from.charCodeAt(0), to.charCodeAt(0) + 1);
        j += 3;
      } else {
        if (!ascii(from)) return undefined;
        set[from.charCodeAt(0)] = 1;
        j++;
      }
    }
    if (body[j] !== ']') return undefined;
    return { set, next: j + 1 };
  }
  if (SPECIAL.has(c) || !ascii(c)) return undefined;
  set[c.charCodeAt(0)] = 1;
  return { set, next: i + 1 };
}

function parseQuantifier(body: string, i: number): { min: number; max: number; next: number } | undefined {
  const c = body[i];
  if (c === '?') return { min: 0, max: 1, next: i + 1 };
  if (c === '+') return { min: 1, max: Infinity, next: i + 1 };
  if (c === '*') return { min: 0, max: Infinity, next: i + 1 };
  if (c !== '{') return { min: 1, max: 1, next: i };
  const m = /^\{(\d+)(,(\d*))?\}/.exec(body.slice(i));
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  if (max < min) return undefined;
  return { min, max, next: i + m[0].length };
}

const ascii = (c: string): boolean => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) < 0x7f;
