/**
 * `webuvc controls`: a camera's controls with their ranges and current values; `--set
 * name=value` (repeatable, applied in order) sets them first. Names are the wire names of the
 * control table (`exposureTimeAbsolute`) or the public ones (`exposure`, `pan`); values are
 * numbers, menu names (`manual`, `50Hz`) or comma-separated fields (`panTilt=3600,0`).
 *
 * @packageDocumentation
 */
import { parseArgs } from 'node:util';

import { UvcCamera } from '../camera/uvc-camera.js';
import type { ControlDescription } from '../camera/controls.js';
import type { ControlValue } from '../uvc/controls.js';
import type { QuirkNotice } from '../uvc/quirks.js';
import { CAMERA_OPTIONS, UsageError, asUsage } from './args.js';
import { openSource } from './source.js';

/** One control as `webuvc controls --json` prints it. */
export interface ControlJson {
  name: string;
  publicName: string;
  unit: string;
  entity: string;
  entityId: number;
  selector: number;
  kind: string;
  min: ControlValue | null;
  max: ControlValue | null;
  step: ControlValue | null;
  default: ControlValue | null;
  current: ControlValue | null;
  supported: boolean;
  readOnly: boolean;
  asynchronous: boolean;
  autoUpdate: boolean;
  inactive: boolean;
  menu?: Array<{ value: number; name: string }>;
  problem?: string;
}

/** A `--set name=value` argument. */
function parseSet(text: string): { name: string; value: string } {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) {
    throw new UsageError(`--set wants name=value such as exposure=200, not "${text}"`);
  }
  return { name: text.slice(0, at).trim(), value: text.slice(at + 1).trim() };
}

/** The JSON shape of one control. */
export function controlJson(control: ControlDescription): ControlJson {
  return {
    name: control.name,
    publicName: control.publicName,
    unit: control.unit,
    entity: control.entity,
    entityId: control.entityId,
    selector: control.selector,
    kind: control.kind,
    min: control.min ?? null,
    max: control.max ?? null,
    step: control.step ?? null,
    default: control.default ?? null,
    current: control.current ?? null,
    supported: control.supported,
    readOnly: control.info?.readOnly ?? false,
    asynchronous: control.info?.asynchronous ?? false,
    autoUpdate: control.info?.autoUpdate ?? false,
    inactive: control.inactive,
    ...(control.menu ? { menu: control.menu } : {}),
    ...(control.problem ? { problem: control.problem } : {}),
  };
}

function show(value: ControlValue | undefined): string {
  if (value === undefined) return '-';
  if (typeof value === 'number') return String(value);
  return Object.entries(value)
    .map(([field, number]) => `${field} ${number}`)
    .join(', ');
}

/** One line per control, for people. */
function formatControl(control: ControlDescription): string {
  const name =
    control.publicName === control.name ? control.name : `${control.publicName} (${control.name})`;
  if (!control.supported) return `  ${name}: not supported (${control.problem ?? 'refused'})`;

  const flags = [
    control.info?.readOnly ? 'read-only' : '',
    control.inactive ? `inactive (${control.automaticControl ?? 'automatic mode'})` : '',
    control.info?.asynchronous ? 'asynchronous' : '',
    control.info?.autoUpdate ? 'auto-update' : '',
  ].filter((flag) => flag !== '');
  // Units such as "100 µs" read as a multiplier: "200 × 100 µs".
  const multiplier = /^\d/.test(control.unit);
  const unit = !control.unit ? '' : multiplier ? ` × ${control.unit}` : ` ${control.unit}`;
  const modes = control.menu?.map((entry) => `${entry.name}=${entry.value}`).join(' ');
  const range =
    control.kind === 'bitmap'
      ? `modes ${modes ?? show(control.step)}`
      : `range ${show(control.min)} .. ${show(control.max)} step ${show(control.step)}`;
  const menu =
    control.menu && control.kind !== 'bitmap'
      ? ` [${control.menu.map((entry) => `${entry.value}=${entry.name}`).join(' ')}]`
      : '';
  const current = `${show(control.current)}${unit}`;
  const extra = flags.length > 0 ? `; ${flags.join(', ')}` : '';
  const problem = control.problem ? `; ${control.problem}` : '';
  const fallback = `default ${show(control.default)}`;
  return `  ${name} = ${current}; ${range}; ${fallback}${menu}${extra}${problem}`;
}

/** Run `webuvc controls`. */
export async function controlsCommand(argv: string[]): Promise<void> {
  const { values } = asUsage(() =>
    parseArgs({
      args: argv,
      options: { ...CAMERA_OPTIONS, set: { type: 'string', multiple: true } },
      strict: true,
    }),
  );
  const sets = (values.set ?? []).map(parseSet);

  const source = await openSource(values);
  const notices: QuirkNotice[] = [];
  const onNotice = (notice: QuirkNotice): void => {
    notices.push(notice);
  };
  const camera = await UvcCamera.open(source.device, { onNotice });
  try {
    const controls = camera.controls;
    const applied: string[] = [];
    for (const { name, value } of sets) {
      const outcome = await controls.set(name, value);
      const waiting = outcome.asynchronous && !outcome.completed;
      const pending = waiting ? ' (completion not seen yet)' : '';
      applied.push(`set ${name} = ${value}${pending}`);
    }
    const list = await controls.list();

    for (const notice of notices) {
      process.stderr.write(`webuvc controls: note: ${notice.message}\n`);
    }
    if (values.json) {
      process.stdout.write(JSON.stringify(list.map(controlJson), null, 2) + '\n');
      return;
    }

    const lines = [source.label, ...applied, `${list.length} controls:`];
    lines.push(...list.map(formatControl));
    const units = controls.extensionUnits();
    if (units.length > 0) {
      lines.push(`${units.length} extension units:`);
      for (const unit of units) {
        const selectors = unit.selectors.join(' ') || 'none';
        lines.push(`  unit ${unit.unitId} {${unit.guid}}: selectors ${selectors}`);
      }
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await camera.close();
  }
}
