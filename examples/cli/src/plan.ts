import { makeNpuSpec, ubBytesFromEnv, type NpuDType } from '@mta/device-npu';
import { formatNpuPlanReport, planCoverage, planNpuMta } from '@mta/ops-mta';
import { bytes, integer, oneOf, parseFlags } from '@mta/args';
import { EXIT_FAILURE, EXIT_OK, type Command } from './command';

const help = `usage: pnpm mta plan --L <n> [--dtype float16|bfloat16|float32] [--ub 192KiB] [--planner default|liger-pr1122]
                     [--B 2] [--C 4] [--K 3] [--json]

Prints the plan of every MTA kernel on the simulated Ascend NPU: tiles, each UB buffer, UB bytes against
capacity (OVERFLOW where a plan does not fit) and whether the loop bounds cover every output.
L is at most 16,777,216 (MAX_NPU_PLAN_L); a longer one is refused with a named error.
The UB defaults to 192 KiB, or to $ASCEND_UB_CAPACITY_BITS (bits) when set. Exits 1 when a kernel
overflows the UB or leaves outputs unwritten (the report is printed either way), 2 on a usage error.`;

const DTYPES: readonly NpuDType[] = ['float16', 'bfloat16', 'float32'];

export const planCommand: Command = {
  summary: 'show the npu tile plan of MTA against the Unified Buffer',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, {
      L: { value: integer({ min: 1 }), required: true, help: 'sequence length' },
      dtype: { value: oneOf(DTYPES), default: 'float16', help: 'element type' },
      ub: { value: bytes(), help: 'Unified Buffer size' },
      planner: { value: oneOf(['default', 'liger-pr1122']), default: 'default', help: 'tile planner' },
      B: { value: integer({ min: 1 }), default: 2, help: 'batch' },
      C: { value: integer({ min: 1 }), default: 4, help: 'channels in and out' },
      K: { value: integer({ min: 1 }), default: 3, help: 'kernel size' },
      json: { switch: true, help: 'print JSON' },
    });
    const { L, dtype, planner, C, K } = values;
    const spec = makeNpuSpec({ ubBytes: values.ub ?? ubBytesFromEnv() });
    const plan = planNpuMta({ B: values.B, Cin: C, Cout: C, L, kH: K, kW: K }, dtype, spec, { planner });
    console.log(formatNpuPlanReport(plan, spec, { json: values.json }));
    // A plan that does not fit is what this command exists to catch: scripts must see it in the exit code.
    const broken = !plan.fits || planCoverage(plan).some((e) => e.unwritten > 0);
    return broken ? EXIT_FAILURE : EXIT_OK;
  },
};
