/**
 * Child-process entry: runs one benchmark cell in a fresh process (clean heap, clean rss high-water
 * mark, no JIT or allocator state from other backends) and reports events as prefixed JSON lines on
 * stdout. Started by isolated.ts; not meant to be run by hand.
 */
import '@mta/ops-mta/register'; // registers cpu, npu and the MTA kernels
import { BENCH_BACKENDS } from './backends/index';
import { BackendSkipped } from './types';
import { CELL_EVENT_PREFIX, errorMessage, runCell, type CellEvent, type CellSpec } from './cell';

function emit(event: CellEvent): void {
  process.stdout.write(`${CELL_EVENT_PREFIX}${JSON.stringify(event)}\n`);
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('cell-process: expected the cell spec as JSON in argv[2].');
  const spec = JSON.parse(raw) as CellSpec;
  const entry = BENCH_BACKENDS.find((b) => b.name === spec.backend);
  if (entry === undefined) throw new Error(`cell-process: unknown backend '${spec.backend}'.`);
  const backend = await entry.create();
  try {
    try {
      await backend.setup();
    } catch (error) {
      if (!(error instanceof BackendSkipped)) throw error;
      emit({ kind: 'skipped', reason: error.reason });
      return;
    }
    emit({ kind: 'described', description: backend.describe(), info: backend.info() });
    await runCell(backend, spec, emit);
  } finally {
    await backend.dispose();
  }
}

main().then(
  // Exit explicitly: a backend may leave handles (workers, timers) that would keep the child alive.
  () => process.exit(0),
  (error: unknown) => {
    emit({ kind: 'failed', phase: 'setup', message: errorMessage(error) });
    process.exit(1);
  },
);
