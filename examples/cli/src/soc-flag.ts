/** The `--soc` flag of the npu commands: a SoC preset name (any case, 'Ascend' prefix optional). */
import { SOC_NAMES, SOC_PRESETS, parseSocName, type SocName, type SocPreset } from '@mta/device-npu';
import type { ValueType } from '@mta/args';

function parseSoc(raw: string): SocName | undefined {
  try {
    return parseSocName(raw, '--soc');
  } catch {
    return undefined; // parseFlags turns undefined into a UsageError naming --soc and what it expects
  }
}

/** A preset name. */
export function socValue(): ValueType<SocName> {
  return { expected: `one of ${SOC_NAMES.join(', ')}`, parse: parseSoc };
}

/** A preset name, or 'list' (print the presets and their sources). */
export function socOrListValue(): ValueType<SocName | 'list'> {
  return { expected: `one of ${SOC_NAMES.join(', ')} or list`, parse: (raw) => (raw.trim().toLowerCase() === 'list' ? 'list' : parseSoc(raw)) };
}

/** The presets as `plan --soc list` prints them: a table, or (json) every value with its source. */
export function formatSocPresets(json: boolean): string {
  const presets: SocPreset[] = SOC_NAMES.map((n) => SOC_PRESETS[n]);
  if (json) return JSON.stringify({ presets }, null, 2);
  const mark = (estimate: boolean): string => (estimate ? '*' : '');
  const lines = ['soc     UB/core    vector cores  cube cores  clock     HBM bandwidth  product'];
  for (const p of presets) {
    lines.push(`${p.name.padEnd(8)}${`${p.ubBytes.value / 1024} KiB${mark(p.ubBytes.estimate)}`.padEnd(11)}` +
      `${`${p.vectorCores.value}${mark(p.vectorCores.estimate)}`.padEnd(14)}${`${p.cubeCores.value}${mark(p.cubeCores.estimate)}`.padEnd(12)}` +
      `${`${p.clockHz.value / 1e9} GHz${mark(p.clockHz.estimate)}`.padEnd(10)}${`${p.gmBytesPerSecond.value / 1e12} TB/s${mark(p.gmBytesPerSecond.estimate)}`.padEnd(15)}${p.product}`);
  }
  lines.push('* = estimate (no vendor file or device report for this part); sources: --json or docs/npu.md');
  return lines.join('\n');
}
