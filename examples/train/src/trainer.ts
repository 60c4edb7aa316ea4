import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Rng, crossEntropy, fallbackStats, initDevice, mul, noGrad, optim, reshape, setFallback, sum, tidy, type Tensor,
} from '@mta/core';
import { registerMta } from '@mta/ops-mta';
import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';
import { learningCurvesSvg, type EvalRecord, type History, type TrainRecord } from './curves';
import { CHECKPOINT_FILE, loadCheckpoint, saveCheckpoint, type TrainCheckpoint } from './checkpoint';
import { ToyTransformer, countParameters, type ModelConfig } from './model';
import {
  RESUMABLE_OVERRIDES, learningRateAt, modelConfigOf, resolveSettings, type TrainOptionsInput, type TrainSettings,
} from './options';
import { TrainProgress, formatDuration, type ProgressStream } from './progress';
import {
  evaluationSet, hashTokens, layout, makeBatch, trainingBatchExamples, vocabulary, type Batch, type TaskConfig, type ToyExample,
} from './task';

export interface EvalResult {
  readonly loss: number;
  readonly tokenAccuracy: number;
  /** Exact block match error rate: the fraction of examples with any answer letter wrong. */
  readonly error: number;
  readonly size: number;
}

export interface TrainReport {
  readonly model: ModelConfig['kind'];
  readonly device: string;
  readonly seed: number;
  readonly steps: number;
  readonly settings: TrainSettings;
  readonly parameters: number;
  readonly resumedFrom: number | null;
  /** Seconds in this process: setup, training, evaluation and writing files. */
  readonly wallSeconds: number;
  /** Seconds of optimizer steps, summed across resumes. */
  readonly trainSeconds: number;
  /** Training steps per second in this process (batch, forward, backward, update; evaluations excluded). */
  readonly stepsPerSecond: number;
  readonly finalTrainLoss: number;
  readonly val: EvalResult | null;
  readonly test: EvalResult;
  readonly history: History;
  readonly files: { readonly checkpoint: string; readonly log: string; readonly curves: string; readonly report: string };
  /** Ops that ran on cpu because the device has no kernel for them, `op@device` -> calls in this run. */
  readonly fallbacks: Readonly<Record<string, number>>;
}

export interface RunTrainingOptions extends TrainOptionsInput {
  /** Where the progress bar and messages go (default stderr; `silentStream` for none). */
  readonly progressStream?: ProgressStream;
}

export const TRAIN_DEVICES = ['cpu', 'npu', 'webgpu'] as const;

/**
 * Registers the devices and the MTA kernels on them, and initialises the device. webgpu asks for an
 * adapter here: without one this rejects with NoWebgpuAdapterError, which says how to get one.
 */
export async function prepareDevice(device: string): Promise<void> {
  if (!(TRAIN_DEVICES as readonly string[]).includes(device)) {
    throw new Error(`train: unknown device '${device}': use --device ${TRAIN_DEVICES.join(', --device ')}`);
  }
  registerMta(); // the cpu and npu devices and the MTA kernels on each (a no-op when already registered)
  if (device === 'webgpu') registerMtaWebgpu(); // the webgpu device, its primitive kernels and MTA's WGSL kernels
  await initDevice(device);
}

/**
 * Trains one model on the toy task, evaluates it on the test set, and writes checkpoint.safetensors, log.json,
 * curves.svg and report.json into the output directory. Resumes from `resume` when given.
 */
export async function runTraining(options: RunTrainingOptions): Promise<TrainReport> {
  const wallStart = performance.now();
  const resumed = options.resume ? loadCheckpoint(options.resume) : null;
  const settings = resumed ? resumeSettings(resumed.settings, options) : resolveSettings(options);
  await prepareDevice(settings.device);
  const { task, device } = settings;
  // Ops the device lacks run on cpu (its fallback policy); the run lists them in its report instead of a
  // notice per op as they first happen.
  const fallbacksBefore = fallbackStats();
  const fallbackSettings = setFallback({ onFirstFallback: null });
  const files = {
    checkpoint: join(settings.out, CHECKPOINT_FILE),
    log: join(settings.out, 'log.json'),
    curves: join(settings.out, 'curves.svg'),
    report: join(settings.out, 'report.json'),
  };
  mkdirSync(settings.out, { recursive: true });

  const dropoutRandom = new StepRandom();
  const model = new ToyTransformer(modelConfigOf(settings), new Rng(settings.seed), { device, dropoutRandom });
  let lr = settings.lr;
  // Adam reads its options at every step; a getter turns the fixed lr into a schedule.
  const optimizer = new optim.Adam(model.parameters(), { get lr() { return lr; } });
  const history: History = { train: [...(resumed?.history.train ?? [])], eval: [...(resumed?.history.eval ?? [])] };
  let step = 0;
  let trainSeconds = 0;
  if (resumed) {
    model.load(resumed.parameters);
    optimizer.loadStateDict(resumed.optimizer);
    step = resumed.step;
    trainSeconds = resumed.trainSeconds;
    if (step > settings.steps) throw new Error(`train: the checkpoint is at step ${step}, past --steps ${settings.steps}`);
  }

  const valSet = settings.valSize > 0 ? evaluationSet(task, 'val', settings.valSize, settings.dataSeed) : [];
  const progress = new TrainProgress(`${settings.model}`, settings.steps, options.progressStream ?? process.stderr, options.progress !== false);
  progress.message(`${settings.model}: ${countParameters(model)} parameters, task N=${task.blockSize} K=${task.numBlocks} ` +
    `Q=${task.numQueries} (length ${layout(task).inputLength}), ${settings.steps} steps of ${settings.batchSize} on ${device}` +
    (resumed ? `, resuming at step ${step}` : ''));

  // Asynchronous reads: a GPU device's memory cannot be read synchronously.
  const checkpoint = async (): Promise<TrainCheckpoint> => ({
    format: 'mta-toy-transformer-checkpoint', version: 2, settings, step, trainSeconds,
    parameters: await model.stateAsync(), optimizer: await optimizer.stateDictAsync(), history,
  });

  const window = { loss: 0, correct: 0, tokens: 0, exactWrong: 0, examples: 0, steps: 0 };
  const startStep = step;
  const trainSecondsBefore = trainSeconds;
  const loopStart = performance.now();
  let lastVal: EvalResult | null = null;
  let lastLoss = Number.NaN;
  const lastStep = Math.min(settings.steps, options.stopAt ?? settings.steps);
  while (step < lastStep) {
    const t0 = performance.now();
    lr = learningRateAt(settings, step);
    dropoutRandom.reseed(hashTokens([settings.seed, step], 0xd209));
    const batch = makeBatch(trainingBatchExamples(task, settings.batchSize, settings.seed, step), task, device);
    const { loss, logits } = tidy(() => {
      const out = lossAndLogits(model, batch, task);
      out.loss.backward();
      return out;
    });
    const result = await readLossAndPredictions(loss, logits);
    disposeBatch(batch);
    if (!Number.isFinite(result.loss)) throw new Error(`train: the loss became ${result.loss} at step ${step + 1}; lower --lr or raise --warmup`);
    if (settings.gradClip > 0) await clipGradientNorm(model.parameters(), settings.gradClip);
    optimizer.step();
    optimizer.zeroGrad();
    step++;
    trainSeconds += (performance.now() - t0) / 1000;
    lastLoss = result.loss;

    const scored = scorePredictions(result.predictions, batch.targetsHost, task.blockSize);
    window.loss += result.loss; window.steps++;
    window.correct += scored.correctTokens; window.tokens += scored.tokens;
    window.exactWrong += scored.wrongExamples; window.examples += scored.examples;
    // Wall-clock rate, evaluations included, so the ETA holds.
    const stepsPerSecond = (step - startStep) / ((performance.now() - loopStart) / 1000);
    progress.update(step, { loss: window.loss / window.steps, accuracy: window.correct / window.tokens, stepsPerSecond });

    if (step % settings.logEvery === 0 || step === lastStep) {
      const record: TrainRecord = {
        step, lr, trainLoss: window.loss / window.steps, trainTokenAccuracy: window.correct / window.tokens,
        trainError: window.exactWrong / window.examples, elapsedS: trainSeconds,
      };
      history.train.push(record);
      Object.assign(window, { loss: 0, correct: 0, tokens: 0, exactWrong: 0, examples: 0, steps: 0 });
    }
    if (valSet.length && settings.evalEvery > 0 && (step % settings.evalEvery === 0 || step === lastStep)) {
      const val = await evaluate(model, valSet, task, device);
      lastVal = step === lastStep ? val : null;
      history.eval.push({ step, split: 'val', ...withoutSize(val) });
      progress.message(`${settings.model} step ${step}: val loss ${val.loss.toFixed(4)}, token accuracy ${pct(val.tokenAccuracy)}, ` +
        `exact-match error ${pct(val.error)} (${formatDuration(trainSeconds)} trained)`);
    }
    if (settings.checkpointEvery > 0 && step % settings.checkpointEvery === 0 && step < lastStep) {
      saveCheckpoint(files.checkpoint, await checkpoint());
    }
  }
  progress.finish();

  const val = lastVal ?? (valSet.length ? await evaluate(model, valSet, task, device) : null);
  const test = await evaluate(model, evaluationSet(task, 'test', settings.testSize, settings.dataSeed), task, device);
  history.eval.push({ step, split: 'test', ...withoutSize(test) });
  saveCheckpoint(files.checkpoint, await checkpoint());
  writeFileSync(files.log, JSON.stringify({ settings, history }, null, 1));
  const title = `${settings.model}${settings.model === 'mta' ? ` (${settings.mtaMode}-softmax, kernel ${settings.mtaKernel.join('x')})` : ''}, seed ${settings.seed}`;
  writeFileSync(files.curves, await learningCurvesSvg([{ name: `${settings.model} seed ${settings.seed}`, history }], title));
  const report: TrainReport = {
    model: settings.model, device, seed: settings.seed, steps: step, settings,
    parameters: countParameters(model), resumedFrom: resumed ? resumed.step : null,
    wallSeconds: (performance.now() - wallStart) / 1000, trainSeconds,
    stepsPerSecond: trainSeconds > trainSecondsBefore ? (step - startStep) / (trainSeconds - trainSecondsBefore) : 0,
    finalTrainLoss: lastLoss, val, test, history, files,
    fallbacks: fallbacksSince(fallbacksBefore),
  };
  writeFileSync(files.report, JSON.stringify({ ...report, history: undefined }, null, 1));
  progress.message(`${settings.model} seed ${settings.seed}: test exact-match error ${pct(test.error)} ` +
    `(token accuracy ${pct(test.tokenAccuracy)}, ${test.size} examples); ${report.stepsPerSecond.toFixed(2)} steps/s, ` +
    `wall ${formatDuration(report.wallSeconds)}; wrote ${settings.out}`);
  setFallback(fallbackSettings);
  const fellBack = Object.entries(report.fallbacks).sort((x, y) => y[1] - x[1]);
  if (fellBack.length) {
    progress.message(`cpu fallbacks (ops with no kernel on ${device}, calls): ${fellBack.map(([op, n]) => `${op} ${n}`).join(', ')}`);
  }
  return report;
}

/** Fallback calls made since `before` (a snapshot of fallbackStats()). */
function fallbacksSince(before: ReadonlyMap<string, number>): Record<string, number> {
  const since: Record<string, number> = {};
  for (const [key, n] of fallbackStats()) if (n > (before.get(key) ?? 0)) since[key] = n - (before.get(key) ?? 0);
  return since;
}

/** The checkpoint's settings with the few allowed overrides; anything else that differs is an error. */
function resumeSettings(saved: TrainSettings, options: TrainOptionsInput): TrainSettings {
  const overrides: Record<string, unknown> = {};
  for (const key of RESUMABLE_OVERRIDES) if (options[key] !== undefined) overrides[key] = options[key];
  const merged = resolveSettings({ ...saved, ...overrides });
  const fresh = { ...options } as Record<string, unknown>;
  for (const key of Object.keys(fresh)) {
    if (key === 'resume' || key === 'progress' || key === 'progressStream' || key === 'stopAt' || (RESUMABLE_OVERRIDES as readonly string[]).includes(key)) continue;
    const given = key === 'task' ? { ...saved.task, ...(fresh.task as object) } : fresh[key];
    if (given !== undefined && JSON.stringify(given) !== JSON.stringify((saved as unknown as Record<string, unknown>)[key])) {
      throw new Error(`train: --resume continues the checkpoint's run; '${key}' is ${JSON.stringify((saved as unknown as Record<string, unknown>)[key])} ` +
        `there but ${JSON.stringify(given)} was given. Only ${RESUMABLE_OVERRIDES.join(', ')} may change`);
    }
  }
  return merged;
}

/** The loss and the logits (B * N, vocab) it was taken from, still on the device. */
function lossAndLogits(model: ToyTransformer, batch: Batch, task: TaskConfig): { loss: Tensor; logits: Tensor } {
  const { answerStart } = layout(task);
  const vocab = vocabulary(task).size;
  const logits = reshape(model.logitsAt(batch.inputs, answerStart, task.blockSize), [batch.size * task.blockSize, vocab]);
  return { loss: crossEntropy(logits, batch.targets), logits };
}

/** Reads the loss and the predicted classes back (asynchronously, as every device can) and disposes both tensors. */
async function readLossAndPredictions(loss: Tensor, logits: Tensor): Promise<{ loss: number; predictions: Int32Array }> {
  try {
    const [lossValue, logitValues] = await Promise.all([loss.data(), logits.data()]);
    return { loss: lossValue[0]!, predictions: argmaxRows(logitValues, logits.shape[1]!) };
  } finally {
    loss.dispose();
    logits.dispose();
  }
}

function argmaxRows(values: ArrayLike<number>, width: number): Int32Array {
  const out = new Int32Array(values.length / width);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (values[r * width + c]! > values[r * width + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/**
 * Teacher-forced scoring. An example counts as right only when all N letters are; that equals greedy
 * decoding's exact match, because a decoder fed its own correct predictions sees exactly the teacher's input.
 */
function scorePredictions(predictions: Int32Array, targets: Int32Array, n: number) {
  let correctTokens = 0;
  let wrongExamples = 0;
  for (let e = 0; e < targets.length / n; e++) {
    let allRight = true;
    for (let i = e * n; i < (e + 1) * n; i++) {
      if (predictions[i] === targets[i]) correctTokens++;
      else allRight = false;
    }
    if (!allRight) wrongExamples++;
  }
  return { correctTokens, tokens: targets.length, wrongExamples, examples: targets.length / n };
}

/** Loss, token accuracy and exact-match error on a fixed set, in eval mode and without the tape. */
export async function evaluate(model: ToyTransformer, examples: readonly ToyExample[], task: TaskConfig, device: string, batchSize = 250): Promise<EvalResult> {
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  let correct = 0;
  let wrong = 0;
  try {
    for (let start = 0; start < examples.length; start += batchSize) {
      const batch = makeBatch(examples.slice(start, start + batchSize), task, device);
      const { loss, logits } = noGrad(() => tidy(() => lossAndLogits(model, batch, task)));
      const result = await readLossAndPredictions(loss, logits);
      lossSum += result.loss * batch.size;
      const s = scorePredictions(result.predictions, batch.targetsHost, task.blockSize);
      correct += s.correctTokens;
      wrong += s.wrongExamples;
      disposeBatch(batch);
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: lossSum / examples.length, tokenAccuracy: correct / (examples.length * task.blockSize), error: wrong / examples.length, size: examples.length };
}

function disposeBatch(batch: Batch): void {
  batch.inputs.dispose();
  batch.targets.dispose();
}

/**
 * Scales all gradients down together when their global L2 norm exceeds `maxNorm`. Each parameter's sum of
 * squares is taken on its device and read back asynchronously (GPU memory cannot be read synchronously),
 * then added in float64 on the host.
 */
export async function clipGradientNorm(params: readonly Tensor[], maxNorm: number): Promise<number> {
  const squares = noGrad(() => tidy(() => params.map((p) => (p.grad ? sum(mul(p.grad, p.grad)) : null))));
  let total = 0;
  try {
    for (const value of await Promise.all(squares.map((s) => s?.data()))) total += value ? value[0]! : 0;
  } finally {
    for (const s of squares) s?.dispose();
  }
  const norm = Math.sqrt(total);
  return noGrad(() => tidy(() => {
    if (norm > maxNorm) {
      const scale = maxNorm / (norm + 1e-6);
      for (const p of params) {
        if (!p.grad) continue;
        const scaled = mul(p.grad, scale).keep();
        p.grad.dispose();
        p.grad = scaled;
      }
    }
    return norm;
  }));
}

/** A uniform source the trainer reseeds at every step, so dropout masks depend on (seed, step) alone. */
class StepRandom {
  private rng = new Rng(0);
  reseed(seed: number): void { this.rng = new Rng(seed); }
  uniform(): number { return this.rng.uniform(); }
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const withoutSize = (r: EvalResult): Omit<EvalRecord, 'step' | 'split'> => ({ loss: r.loss, tokenAccuracy: r.tokenAccuracy, error: r.error });
