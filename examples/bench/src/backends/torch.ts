/**
 * PyTorch CPU as a peer (opt-in: `pnpm bench --peers torch`), driven through python/torch_peer.py in a
 * child process. The Node harness times each call (one line each way over a pipe, ~0.1 ms, next to
 * runs of 10 ms and more) and applies the same memory formula to the python process's rss and maxRSS
 * (memoryUsage()), so the row is measured like every other. The interpreter is MTA_BENCH_PYTHON, else the
 * first of `python3` and /usr/bin/python3 that imports torch (the row names it); where none does, setup
 * throws BackendSkipped and every cell of the backend says skipped, with python's errors.
 * python/smoke_torch_peer.py exercises the python side where torch exists.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  BackendSkipped, type BenchBackend, type BenchInputs, type BenchProblem, type HostResults, type Phase, type PreparedRun,
  type ProcessMemory, type RuntimeInfo,
} from '../types';

const SCRIPT = fileURLToPath(new URL('../../python/torch_peer.py', import.meta.url));

/**
 * The interpreters tried, in order: MTA_BENCH_PYTHON alone when set (a virtual environment with torch), else
 * `python3` from PATH and then /usr/bin/python3, where Debian's `apt-get install python3-torch` puts torch
 * (a pyenv or venv python3 on PATH does not see it).
 */
function candidates(): string[] {
  const chosen = process.env['MTA_BENCH_PYTHON'];
  return chosen !== undefined && chosen !== '' ? [chosen] : ['python3', '/usr/bin/python3'];
}

/** Why `python` cannot run the peer, or undefined when `import torch, numpy` works there. */
function importProblem(python: string): string | undefined {
  const probe = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 120_000 });
  if (probe.error !== undefined) return `${python} could not start: ${probe.error.message}`;
  if (probe.status === 0) return undefined;
  const last = probe.stderr.trim().split('\n').pop() ?? `exit code ${probe.status}`;
  return `\`${python} -c "import torch, numpy"\` failed: ${last}`;
}

/** The first interpreter that imports torch, or every candidate's reason (set MTA_BENCH_PYTHON to choose one). */
export function findTorchPython(): { python: string } | { reason: string } {
  const reasons: string[] = [];
  for (const python of candidates()) {
    const problem = importProblem(python);
    if (problem === undefined) return { python };
    reasons.push(problem);
  }
  return { reason: `${reasons.join('; ')} (MTA_BENCH_PYTHON names an interpreter with torch)` };
}

/** Why PyTorch cannot run here, or undefined when some candidate interpreter imports it. */
export function torchUnavailable(): string | undefined {
  const found = findTorchPython();
  return 'reason' in found ? found.reason : undefined;
}

/** One python process; commands are answered in order, one JSON line each. */
class TorchProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  private stderr = '';
  private exited: string | null = null;

  constructor(python: string, threads: number) {
    this.child = spawn(python, [SCRIPT, String(threads)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => { this.stderr = (this.stderr + chunk).slice(-2000); });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.resolve(line));
    this.child.on('exit', (code) => {
      this.exited = `torch peer exited (code ${code}): ${this.stderr.trim()}`;
      for (const w of this.waiting.splice(0)) w.reject(new Error(this.exited));
    });
  }

  async call<T>(command: Record<string, unknown>): Promise<T> {
    if (this.exited !== null) throw new Error(this.exited);
    const line = await new Promise<string>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(command)}\n`);
    });
    const answer = JSON.parse(line) as T & { error?: string };
    if (answer.error !== undefined) throw new Error(`torch peer: ${answer.error}`);
    return answer;
  }

  close(): void {
    this.lines.close();
    this.child.stdin.end();
    this.child.kill();
  }
}

class TorchPreparedRun implements PreparedRun {
  constructor(private readonly torch: TorchProcess, private readonly dir: string) {}

  async forward(): Promise<void> {
    await this.torch.call({ cmd: 'forward' });
  }

  async forwardBackward(): Promise<void> {
    await this.torch.call({ cmd: 'forward_backward' });
  }

  async results(phase: Phase): Promise<HostResults> {
    await this.torch.call({ cmd: 'results', phase, dir: this.dir });
    const read = (name: string) => {
      const bytes = readFileSync(path.join(this.dir, name));
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    };
    if (phase === 'forward') return { out: read('out.f32') };
    return { out: read('out.f32'), gradScores: read('grad_scores.f32'), gradWeight: read('grad_weight.f32'), gradBias: read('grad_bias.f32') };
  }

  async memoryUsage(): Promise<ProcessMemory> {
    const m = await this.torch.call<{ rss: number; maxRss: number }>({ cmd: 'memory' });
    return { rss: m.rss, maxRss: m.maxRss, arrayBuffers: 0 };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function createTorchBackend(): BenchBackend {
  let torch: TorchProcess | null = null;
  let info: RuntimeInfo = { runtime: 'PyTorch (not set up)', threads: 0, simd: 'unknown' };
  return {
    describe: () => `${info.runtime}, ${info.threads} threads, ${info.simd}`,
    info: () => info,
    unsupported(problem: BenchProblem): string | undefined {
      if (problem.config.sparse) return 'PyTorch has no sparsemax; the torch peer runs softmax only';
      if (problem.config.groups !== 1) return 'the torch peer runs groups = 1 only';
      return undefined;
    },
    async setup(): Promise<void> {
      const found = findTorchPython();
      if ('reason' in found) throw new BackendSkipped(found.reason);
      // Every core, as ort-node gets (PyTorch defaults to one thread on this kind of machine).
      torch = new TorchProcess(found.python, os.availableParallelism());
      const reported = await torch.call<RuntimeInfo>({ cmd: 'info' });
      // The row names the interpreter too: which python found torch is part of the setup.
      info = { ...reported, runtime: `${reported.runtime} via ${found.python}` };
    },
    async prepare(inputs: BenchInputs): Promise<PreparedRun> {
      if (torch === null) throw new Error('torch peer: prepare before setup');
      const { B, Cin, L, kH } = inputs.problem.shape;
      const dir = mkdtempSync(path.join(os.tmpdir(), 'mta-bench-torch-'));
      const write = (name: string, data: Float32Array) => writeFileSync(path.join(dir, name), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      write('scores.f32', inputs.scores);
      write('weight.f32', inputs.weight);
      if (inputs.bias !== undefined) write('bias.f32', inputs.bias);
      write('grad_out.f32', inputs.gradOut);
      await torch.call({ cmd: 'prepare', dir, B, C: Cin, L, K: kH, padding: inputs.problem.config.pads[0], bias: inputs.bias !== undefined });
      return new TorchPreparedRun(torch, dir);
    },
    async dispose(): Promise<void> {
      torch?.close();
      torch = null;
    },
  };
}
