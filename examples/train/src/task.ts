import { Rng, tensor, type DeviceLike, type Tensor } from '@mta/core';

/**
 * The toy task of the Multi-Token Attention paper (section 4 of docs/background.md): K blocks of N
 * distinct random letters separated by '.', then '#' and Q query letters, all taken from one block; the
 * answer is that block's letters, in order. Example with N = 3, K = 4, Q = 2:
 *
 *     kqd.mzt.ahw.xqs#wa  ->  ahw
 *
 * Exactly one block contains all query letters (ambiguous draws are redrawn). The model reads the
 * sequence followed by the answer shifted right (teacher forcing) and predicts the answer letters at the
 * N positions starting at the last query letter.
 */
export interface TaskConfig {
  /** N: letters per block. */
  readonly blockSize: number;
  /** K: blocks per sequence. */
  readonly numBlocks: number;
  /** Q: query letters (distinct letters of the answer block, Q <= N). */
  readonly numQueries: number;
  /** Letters to draw from ('a', 'b', ...); at most 26. */
  readonly alphabetSize: number;
}

export const DEFAULT_TASK: TaskConfig = { blockSize: 3, numBlocks: 8, numQueries: 2, alphabetSize: 26 };

export interface ToyExample {
  /** K blocks of N letter ids. */
  readonly blocks: readonly (readonly number[])[];
  readonly query: readonly number[];
  /** Index of the block holding every query letter. */
  readonly answerBlock: number;
}

export type Split = 'train' | 'val' | 'test';

export function validateTask(task: TaskConfig): void {
  const { blockSize: n, numBlocks: k, numQueries: q, alphabetSize: a } = task;
  const intAtLeast = (v: number, min: number) => Number.isInteger(v) && v >= min;
  if (!intAtLeast(a, 2) || a > 26) throw new Error(`task: alphabetSize must be an integer in [2, 26], got ${a}`);
  if (!intAtLeast(n, 1) || n > a) throw new Error(`task: blockSize (N) must be an integer in [1, alphabetSize=${a}], got ${n}`);
  if (!intAtLeast(k, 1)) throw new Error(`task: numBlocks (K) must be a positive integer, got ${k}`);
  if (!intAtLeast(q, 1) || q > n) throw new Error(`task: numQueries (Q) must be an integer in [1, blockSize=${n}], got ${q}`);
  if (k > 1 && q === n && n === a) {
    throw new Error('task: with Q = N = alphabetSize every block holds every query letter; no answer would be unique');
  }
}

/** Token ids: letters 0..A-1, then the block separator and the query marker. */
export function vocabulary(task: TaskConfig): { size: number; separator: number; queryMarker: number } {
  return { size: task.alphabetSize + 2, separator: task.alphabetSize, queryMarker: task.alphabetSize + 1 };
}

/** Where things sit in a model input (the sequence plus the first N - 1 answer letters). */
export function layout(task: TaskConfig): { inputLength: number; answerStart: number } {
  const { blockSize: n, numBlocks: k, numQueries: q } = task;
  const questionEnd = k * n + (k - 1) + 1 + q; // blocks, separators, '#', queries
  return { inputLength: questionEnd + n - 1, answerStart: questionEnd - 1 };
}

/** The problem as tokens (blocks, separators, '#', query), without the answer. */
export function problemTokens(example: ToyExample, task: TaskConfig): number[] {
  const { separator, queryMarker } = vocabulary(task);
  const out: number[] = [];
  example.blocks.forEach((block, i) => {
    if (i > 0) out.push(separator);
    out.push(...block);
  });
  out.push(queryMarker, ...example.query);
  return out;
}

export function answerTokens(example: ToyExample): readonly number[] {
  return example.blocks[example.answerBlock]!;
}

export function formatExample(example: ToyExample, task: TaskConfig): string {
  const { separator, queryMarker } = vocabulary(task);
  const letter = (id: number) => (id === separator ? '.' : id === queryMarker ? '#' : String.fromCharCode(97 + id));
  return `${problemTokens(example, task).map(letter).join('')} -> ${answerTokens(example).map(letter).join('')}`;
}

/** A well-mixed 32-bit hash (FNV-1a, then murmur3's finaliser) of integer tokens. */
export function hashTokens(tokens: readonly number[], salt = 0): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (const t of tokens) {
    for (let shift = 0; shift < 32; shift += 8) {
      h ^= (t >>> shift) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Which split a problem belongs to, by a hash of its tokens: 10% test, 10% validation, 80% train. The
 * same sequence always lands in the same split, so the splits are disjoint whatever the seeds.
 */
export function splitOf(example: ToyExample, task: TaskConfig): Split {
  const bucket = hashTokens(problemTokens(example, task)) % 10;
  return bucket === 0 ? 'test' : bucket === 1 ? 'val' : 'train';
}

function distinctLetters(rng: Rng, count: number, alphabet: number): number[] {
  const pool = Array.from({ length: alphabet }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(alphabet - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

/** One uniformly drawn problem whose answer is unique (from any split). */
export function drawExample(rng: Rng, task: TaskConfig): ToyExample {
  for (;;) {
    const blocks = Array.from({ length: task.numBlocks }, () => distinctLetters(rng, task.blockSize, task.alphabetSize));
    const answerBlock = rng.int(task.numBlocks);
    const positions = distinctLetters(rng, task.numQueries, task.blockSize);
    const query = positions.map((p) => blocks[answerBlock]![p]!);
    const holders = blocks.filter((b) => query.every((letter) => b.includes(letter))).length;
    if (holders === 1) return { blocks, answerBlock, query };
  }
}

/** A problem from one split: draws until the hash puts it there. */
export function drawFromSplit(rng: Rng, task: TaskConfig, split: Split): ToyExample {
  for (;;) {
    const example = drawExample(rng, task);
    if (splitOf(example, task) === split) return example;
  }
}

/** A fixed evaluation set, the same for every model and training seed that shares `dataSeed`. */
export function evaluationSet(task: TaskConfig, split: 'val' | 'test', size: number, dataSeed: number): ToyExample[] {
  const rng = new Rng(hashTokens([dataSeed, split === 'val' ? 1 : 2], 0x7e57));
  return Array.from({ length: size }, () => drawFromSplit(rng, task, split));
}

/**
 * The training batch of one step. Its generator is seeded by (seed, step) alone, so a resumed run sees
 * exactly the batches an uninterrupted one would.
 */
export function trainingBatchExamples(task: TaskConfig, batchSize: number, seed: number, step: number): ToyExample[] {
  const rng = new Rng(hashTokens([seed, step], 0x7a11));
  return Array.from({ length: batchSize }, () => drawFromSplit(rng, task, 'train'));
}

export interface Batch {
  /** (B, inputLength) int32: problem tokens, then the answer shifted right by one. */
  readonly inputs: Tensor;
  /** (B * N) int32: the answer letters, row-major by example. */
  readonly targets: Tensor;
  /** The targets on the host, for scoring without a device read. */
  readonly targetsHost: Int32Array;
  readonly size: number;
}

export function makeBatch(examples: readonly ToyExample[], task: TaskConfig, device: DeviceLike): Batch {
  const { inputLength } = layout(task);
  const n = task.blockSize;
  const inputs = new Int32Array(examples.length * inputLength);
  const targets = new Int32Array(examples.length * n);
  examples.forEach((example, b) => {
    const answer = answerTokens(example);
    const row = [...problemTokens(example, task), ...answer.slice(0, n - 1)];
    inputs.set(row, b * inputLength);
    targets.set(answer, b * n);
  });
  return {
    inputs: tensor(inputs, [examples.length, inputLength], { device }),
    targets: tensor(targets, [examples.length * n], { device }),
    targetsHost: targets,
    size: examples.length,
  };
}
