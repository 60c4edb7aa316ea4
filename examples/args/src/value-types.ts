/**
 * How a flag's text becomes a value. Each type says what it expects in words, so every usage error reads
 * `--flag: expected <what>, got '<text>'` whichever command printed it.
 */
export interface ValueType<T> {
  /** Completes "expected ...": 'an integer >= 1', 'one of cpu, npu'. */
  readonly expected: string;
  /** The value `raw` stands for, or undefined when it is not one. */
  parse(raw: string): T | undefined;
}

/** Any non-empty text (paths, names); `expected` says what it should be. */
export function text(expected = 'a value'): ValueType<string> {
  return { expected, parse: (raw) => (raw === '' ? undefined : raw) };
}

/** A whole number >= min (default 0); no fractions, exponents or spaces. */
export function integer(options: { readonly min?: number } = {}): ValueType<number> {
  const min = options.min ?? 0;
  return {
    expected: `an integer >= ${min}`,
    parse(raw) {
      const n = Number(raw);
      return /^-?\d+$/.test(raw) && Number.isSafeInteger(n) && n >= min ? n : undefined;
    },
  };
}

/** A finite number in any form Number() reads (3e-3, 0.5, 2). */
export function decimal(): ValueType<number> {
  return {
    expected: 'a number',
    parse(raw) {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : undefined;
    },
  };
}

export function oneOf<const T extends string>(choices: readonly T[]): ValueType<T> {
  return {
    expected: `one of ${choices.join(', ')}`,
    parse: (raw) => (choices as readonly string[]).includes(raw) ? (raw as T) : undefined,
  };
}

/** 'a,b,c' (spaces around items ignored); empty lists and any invalid item are refused. */
export function listOf<T>(item: ValueType<T>): ValueType<T[]> {
  return {
    expected: `a comma-separated list, each ${item.expected}`,
    parse(raw) {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const values = items.map((s) => item.parse(s));
      return items.length > 0 && values.every((v) => v !== undefined) ? (values as T[]) : undefined;
    },
  };
}

/** A size in bytes: '192KiB', '16 KiB', '1MiB', '65536'. K and M are binary (1024). */
export function bytes(): ValueType<number> {
  return {
    expected: 'a size like 192KiB, 16KiB or 196608',
    parse(raw) {
      const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|KB|K|MiB|MB|M)?\s*$/i.exec(raw);
      if (!m) return undefined;
      const unit = (m[2] ?? 'B').toLowerCase();
      const scale = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
      return Math.round(Number(m[1]) * scale);
    },
  };
}
