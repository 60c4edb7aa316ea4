import { makeNpuSpec, ubBytesFromEnv, type NpuDType } from '@mta/device-npu';
import { NPU_MTA_PLANNERS, formatNpuPlanReport, planCoverage, planNpuMta } from '@mta/ops-mta';
import { bytes, integer, oneOf, parseFlags, UsageError } from '@mta/args';
import { EXIT_FAILURE, EXIT_OK, type Command } from './command';
import { formatSocPresets, socOrListValue } from './soc-flag';

const help = `usage: pnpm mta plan --L <n> [--dtype float16|bfloat16|float32] [--soc 910B1|910B2|910B3|910B4] [--ub 192KiB]
                     [--planner ${NPU_MTA_PLANNERS.join('|')}] [--B 2] [--C 4] [--K 3] [--json]
       pnpm mta plan --soc list [--json]

Prints the plan of every MTA kernel on the simulated Ascend NPU: tiles, each UB buffer, UB bytes against
capacity (OVERFLOW where a plan does not fit) and whether the loop bounds cover every output.
L is at most 16,777,216 (MAX_NPU_PLAN_L); a longer one is refused with a named error.
--soc picks a SoC preset (UB, vector cores, clock, HBM bandwidth; default $ASCEND_SOC, else 910B4);
--soc list prints the presets (--json: every value with its source). The UB defaults to the preset's,
or to $ASCEND_UB_CAPACITY_BITS (bits) when set; --ub wins over both.
Planners: default (ours), liger-pr1122 (PR #1122's snapshot), liger-ascend (Liger-Kernel's row-wise _ascend plan).
Exits 1 when a kernel overflows the UB or leaves outputs unwritten (the report is printed either way), 2 on a usage error.`;

const DTYPES: readonly NpuDType[] = ['float16', 'bfloat16', 'float32'];

export const planCommand: Command = {
  summary: 'show the npu tile plan of MTA against the Unified Buffer',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, {
      L: { value: integer({ min: 1 }), help: 'sequence length' },
      dtype: { value: oneOf(DTYPES), default: 'float16', help: 'element type' },
      soc: { value: socOrListValue(), help: 'SoC preset, or list' },
      ub: { value: bytes(), help: 'Unified Buffer size' },
      planner: { value: oneOf(NPU_MTA_PLANNERS), default: 'default', help: 'tile planner' },
      B: { value: integer({ min: 1 }), default: 2, help: 'batch' },
      C: { value: integer({ min: 1 }), default: 4, help: 'channels in and out' },
      K: { value: integer({ min: 1 }), default: 3, help: 'kernel size' },
      json: { switch: true, help: 'print JSON' },
    });
    if (values.soc === 'list') {
      console.log(formatSocPresets(values.json));
      return EXIT_OK;
    }
    const { L, dtype, planner, C, K } = values;
    if (L === undefined) throw new UsageError('--L is required (or --soc list to print the SoC presets)');
    const spec = makeNpuSpec({ ubBytes: values.ub ?? ubBytesFromEnv(), ...(values.soc ? { soc: values.soc } : {}) });
    const plan = planNpuMta({ B: values.B, Cin: C, Cout: C, L, kH: K, kW: K }, dtype, spec, { planner });
    console.log(formatNpuPlanReport(plan, spec, { json: values.json }));
    // A plan that does not fit is what this command exists to catch: scripts must see it in the exit code.
    const broken = !plan.fits || planCoverage(plan).some((e) => e.unwritten > 0);
    return broken ? EXIT_FAILURE : EXIT_OK;
  },
};
