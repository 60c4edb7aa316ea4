import { makeNpuSpec, ubBytesFromEnv, type NpuDType } from '@mta/device-npu';
import { formatNpuPlanReport, planNpuMta } from '@mta/ops-mta';
import { CliError, parseBytes, parseCommandArgs, type Command } from './command';

const help = `usage: pnpm mta plan --L <n> [--dtype float16|bfloat16|float32] [--ub 192KiB] [--planner default|liger-pr1122]
                     [--B 2] [--C 4] [--K 3] [--json]

Prints the plan of every MTA kernel on the simulated Ascend NPU: tiles, each UB buffer, UB bytes against
capacity (OVERFLOW where a plan does not fit) and whether the loop bounds cover every output.
The UB defaults to 192 KiB, or to $ASCEND_UB_CAPACITY_BITS (bits) when set.`;

const DTYPES: readonly NpuDType[] = ['float16', 'bfloat16', 'float32'];

export const planCommand: Command = {
  summary: 'show the npu tile plan of MTA against the Unified Buffer',
  help,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      L: { type: 'string' }, dtype: { type: 'string', default: 'float16' }, ub: { type: 'string' },
      planner: { type: 'string', default: 'default' }, B: { type: 'string', default: '2' }, C: { type: 'string', default: '4' },
      K: { type: 'string', default: '3' }, json: { type: 'boolean', default: false },
    }, help);
    const int = (v: string | undefined, name: string, min: number): number => {
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n < min) throw new CliError(`--${name} must be an integer >= ${min}, got '${v ?? ''}'\n\n${help}`);
      return n;
    };
    const L = int(values.L, 'L', 1);
    const dtype = values.dtype as NpuDType;
    if (!DTYPES.includes(dtype)) throw new CliError(`--dtype must be one of ${DTYPES.join(', ')}, got '${values.dtype}'`);
    const planner = values.planner;
    if (planner !== 'default' && planner !== 'liger-pr1122') throw new CliError(`--planner must be default or liger-pr1122, got '${planner}'`);
    const K = int(values.K, 'K', 1);
    const C = int(values.C, 'C', 1);
    const spec = makeNpuSpec({ ubBytes: values.ub ? parseBytes(values.ub, '--ub') : ubBytesFromEnv() });
    const plan = planNpuMta({ B: int(values.B, 'B', 1), Cin: C, Cout: C, L, kH: K, kW: K }, dtype, spec, { planner });
    console.log(formatNpuPlanReport(plan, spec, { json: values.json }));
    return 0;
  },
};
