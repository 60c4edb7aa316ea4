import { describe, expect, it } from 'vitest';
import { bytes, decimal, formatFlagHelp, integer, listOf, oneOf, parseFlags, text, UsageError, wantsHelp } from '../src/index';

const SPECS = {
  steps: { value: integer({ min: 1 }), default: 10, help: 'steps' },
  lr: { value: decimal(), help: 'learning rate' },
  device: { value: oneOf(['cpu', 'npu']), default: 'cpu', help: 'device' },
  ls: { value: listOf(integer({ min: 1 })), placeholder: '64,128', help: 'lengths' },
  ub: { value: bytes(), help: 'UB size' },
  out: { value: text('a directory'), required: true, help: 'output' },
  json: { switch: true, help: 'JSON' },
} as const;

describe('parseFlags', () => {
  it('reads --flag value and --flag=value into typed values, with defaults and switches', () => {
    const { values, positionals } = parseFlags(['--steps', '3', '--lr=3e-3', '--ls', '64, 128', '--ub', '16KiB', '--out', 'x', '--json'], SPECS);
    expect(values).toEqual({ steps: 3, lr: 3e-3, device: 'cpu', ls: [64, 128], ub: 16384, out: 'x', json: true });
    expect(positionals).toEqual([]);
    expect(parseFlags(['--out=y'], SPECS).values).toEqual({ steps: 10, lr: undefined, device: 'cpu', ls: undefined, ub: undefined, out: 'y', json: false });
  });

  it('names the flag and the expected value in every usage error', () => {
    const error = (argv: string[]) => {
      try {
        parseFlags(argv, SPECS, {});
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error(`no error for ${argv.join(' ')}`);
    };
    expect(error(['--out', 'x', '--steps', '0'])).toBe("--steps: expected an integer >= 1, got '0'");
    expect(error(['--out', 'x', '--steps', '1.5'])).toBe("--steps: expected an integer >= 1, got '1.5'");
    expect(error(['--out', 'x', '--device', 'gpu'])).toBe("--device: expected one of cpu, npu, got 'gpu'");
    expect(error(['--out', 'x', '--ls', '64,,x'])).toBe("--ls: expected a comma-separated list, each an integer >= 1, got '64,,x'");
    expect(error(['--out', 'x', '--ub', 'big'])).toBe("--ub: expected a size like 192KiB, 16KiB or 196608, got 'big'");
    expect(error(['--out', 'x', '--lr', 'fast'])).toBe("--lr: expected a number, got 'fast'");
    expect(error([])).toBe('--out: required (expected a directory)');
    expect(error(['--out', 'x', '--steps'])).toBe('--steps: missing value (expected an integer >= 1)');
    expect(error(['--out', 'x', '--json=yes'])).toBe('--json: takes no value');
    expect(error(['--out', 'x', '--bogus', '1'])).toMatch(/^unknown argument '--bogus'/);
    expect(error(['--out', 'x', 'stray'])).toMatch(/^unexpected argument 'stray'/);
  });

  it('passes positionals through only when asked to', () => {
    expect(parseFlags(['a.json', '--out', 'x', 'b.json'], SPECS, { positionals: true }).positionals).toEqual(['a.json', 'b.json']);
  });
});

describe('wantsHelp and formatFlagHelp', () => {
  it('sees --help and -h before a bare --, whatever else is on the line', () => {
    expect(wantsHelp(['--steps', 'nonsense', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--', '--help'])).toBe(false);
    expect(wantsHelp(['--steps', '3'])).toBe(false);
  });

  it('lists every flag with its placeholder and help, aligned, and --help last', () => {
    const lines = formatFlagHelp(SPECS);
    expect(lines).toHaveLength(Object.keys(SPECS).length + 1);
    expect(lines[3]).toMatch(/^ {2}--ls 64,128 +lengths$/);
    expect(lines[6]).toMatch(/^ {2}--json +JSON$/);
    expect(lines.at(-1)).toMatch(/^ {2}--help +this text$/);
    const helpColumn = (line: string) => line.search(/ {2}\S+( \S+)*$/);
    expect(new Set(lines.map(helpColumn)).size).toBe(1);
  });
});
