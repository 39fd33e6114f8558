/**
 * Runs the call sequences of the OpenHarmony conformance table (fixtures/conformance/
 * ohos-cases.json) against webuvc's camera API on an emulated camera.
 *
 * Each case gets fresh handles, named as the table names them (`$input`, `$preview`, …).
 * A step is a call (`session.addOutput`), a macro (`PHOTO_RUNNING`) or an event from outside
 * the application, which {@link Trigger}s simulate on the emulated camera. Every step's
 * outcome is compared with its expectation: `ok` (a promise must resolve), `throw`
 * (synchronous), `reject` (a promise rejects) or `event` (an error listener fires), with the
 * code, and `returns` where given.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CameraManager } from '../../src/camera/manager.js';
import type { CameraDevice } from '../../src/camera/camera-device.js';
import { ExposureMode, FocusMode, SceneMode } from '../../src/camera/enums.js';
import type { CameraInput } from '../../src/camera/input.js';
import type { PhotoOutput, PreviewOutput, VideoOutput } from '../../src/camera/outputs.js';
import type { Profile } from '../../src/camera/profiles.js';
import type { CaptureSession } from '../../src/camera/session.js';
import { CameraError } from '../../src/errors.js';
import type { EmulatedCamera } from '../../src/usb/emulated.js';
import { fixturesDir } from '../fixtures.js';
import type { TestDevice } from './test-device.js';

/** What a step or a case expects. */
export interface Expect {
  outcome: 'ok' | 'error' | 'event';
  code?: number;
  delivery?: 'throw' | 'reject' | 'event';
  returns?: unknown;
  event?: string;
}

/** One step of a case. */
export interface Step {
  call?: string;
  macro?: string;
  event?: string;
  trigger?: string;
  args?: unknown[];
  expect?: Expect;
}

/** One case of the table. */
export interface ConformanceCase {
  id: string;
  code_under_test: number;
  title: string;
  session_kind: string;
  preconditions?: string[];
  steps: Step[];
  expect: Expect & { step: number | 'all' };
  evidence: string;
  why: string;
  disagreement?: { recommended?: string; kind?: string };
}

/** The table. */
export interface ConformanceFile {
  codes: Record<string, string>;
  macros: Record<string, string[]>;
  cases: ConformanceCase[];
}

/** Read the table from the fixtures. */
export function loadConformanceFile(): ConformanceFile {
  const path = join(fixturesDir, 'conformance', 'ohos-cases.json');
  return JSON.parse(readFileSync(path, 'utf8')) as ConformanceFile;
}

/** What happened when a step ran. */
export type Outcome =
  | { kind: 'ok'; value: unknown }
  | { kind: 'throw'; error: unknown }
  | { kind: 'reject'; error: unknown }
  | { kind: 'event'; error: unknown };

/** The handles of one case. */
export interface Handles {
  manager: CameraManager;
  camera: CameraDevice;
  input: CameraInput;
  input_b: CameraInput;
  session: CaptureSession;
  session_b?: CaptureSession;
  legacy: CaptureSession;
  preview: PreviewOutput;
  preview_b: PreviewOutput;
  photo: PhotoOutput;
  video: VideoOutput;
  videoProfile: Profile;
}

/** A case's world: handles, the emulated camera under them, and the errors listeners saw. */
export interface CaseContext {
  handles: Handles;
  emulated: EmulatedCamera;
  device: TestDevice;
  /** Errors the `$cb` / `$cb2` listeners received, in order. */
  heard: CameraError[];
  /** Resolves the next time a listener hears an error. */
  nextHeard(): Promise<CameraError>;
  /** Values of `$R`-like tokens, fixed when first used. */
  memo: Map<string, unknown>;
}

/** Simulates an event from outside the application; returns when it has been caused. */
export type Trigger = (context: CaseContext) => Promise<void>;

/** Run `call` and sort its result into throw / reject / ok. */
export async function invoke(call: () => unknown): Promise<Outcome> {
  let value: unknown;
  try {
    value = call();
  } catch (error) {
    return { kind: 'throw', error };
  }
  if (value instanceof Promise) {
    try {
      return { kind: 'ok', value: await value };
    } catch (error) {
      return { kind: 'reject', error };
    }
  }
  return { kind: 'ok', value };
}

/** A frame-rate range the output offers that is not its active one. */
function otherRange(output: PreviewOutput | VideoOutput): { min: number; max: number } {
  const active = output.getActiveFrameRate();
  const range = output
    .getSupportedFrameRates()
    .find((r) => r.min !== active.min || r.max !== active.max);
  if (!range) throw new Error('the camera offers no second frame-rate range');
  return range;
}

/** Resolve one argument token of the table. */
export function resolveArgument(token: unknown, context: CaseContext): unknown {
  if (typeof token !== 'string') return token;
  const { handles } = context;
  const named: Record<string, unknown> = {
    $input: handles.input,
    $input_b: handles.input_b,
    $preview: handles.preview,
    $preview_b: handles.preview_b,
    $photo: handles.photo,
    $video: handles.video,
    $camera: handles.camera,
    $session_b: handles.session_b,
    $cb: listener(context),
    $cb2: listener(context),
    NORMAL_PHOTO: SceneMode.NORMAL_PHOTO,
    NORMAL_VIDEO: SceneMode.NORMAL_VIDEO,
  };
  if (token in named) return named[token];
  if (token in ExposureMode) return ExposureMode[token as keyof typeof ExposureMode];
  if (token in FocusMode) return FocusMode[token as keyof typeof FocusMode];
  if (token === '$UNSUPPORTED_AE_MODE') {
    return Object.values(ExposureMode).find((m) => !handles.session.isExposureModeSupported(m));
  }
  if (token === '$UNSUPPORTED_AF_MODE') {
    return Object.values(FocusMode).find((m) => !handles.session.isFocusModeSupported(m));
  }
  const ranged = /^\$(R|FPS_SUPPORTED_NOT_ACTIVE)\.(min|max)$/.exec(token);
  if (ranged) {
    const name = ranged[1]!;
    if (!context.memo.has(name)) context.memo.set(name, otherRange(handles.preview));
    const range = context.memo.get(name) as { min: number; max: number };
    return range[ranged[2] as 'min' | 'max'];
  }
  const profile = /^\$video_profile\.frameRateRange\.(min|max)$/.exec(token);
  if (profile) return handles.videoProfile.frameRateRange[profile[1] as 'min' | 'max'];
  return token;
}

/** A `$cb`: records what it hears. */
function listener(context: CaseContext): (error: CameraError) => void {
  return (error) => {
    context.heard.push(error);
  };
}

/** Resolve the `returns` of an expectation (tokens inside objects too). */
export function resolveReturns(value: unknown, context: CaseContext): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveReturns(v, context));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [key, resolveReturns(v, context)]),
    );
  }
  return resolveArgument(value, context);
}

/** `session.addInput($input)` → target `session`, method `addInput`, args ['$input']. */
export function parseCall(text: string): { target: string; method: string; args: string[] } {
  const match = /^(\w+)\.(\w+)(?:\((.*)\))?$/.exec(text);
  if (!match) throw new Error(`cannot read call ${text}`);
  const args = match[3] ? match[3].split(',').map((a) => a.trim()).filter(Boolean) : [];
  return { target: match[1]!, method: match[2]!, args };
}

/** Run one call step (by name and arguments) on the case's handles. */
export function runCall(
  context: CaseContext,
  call: string,
  args: unknown[] | undefined,
): Promise<Outcome> {
  const parsed = parseCall(call);
  const target = (context.handles as unknown as Record<string, unknown>)[parsed.target];
  if (target === undefined) throw new Error(`no handle ${parsed.target}`);
  const method = (target as Record<string, unknown>)[parsed.method];
  if (typeof method !== 'function') throw new Error(`${call} is not a method`);
  const resolved = (args ?? parsed.args).map((a) => resolveArgument(a, context));
  return invoke(() => {
    const value = (method as (...a: unknown[]) => unknown).apply(target, resolved);
    if (parsed.target === 'manager' && parsed.method === 'createSession') {
      context.handles.session_b = value as CaptureSession;
    }
    return value;
  });
}

/** Expand a macro into call strings (macros may name macros). */
export function expandMacro(file: ConformanceFile, name: string): string[] {
  const calls = file.macros[name];
  if (!calls) throw new Error(`no macro ${name}`);
  return calls.flatMap((call) => (file.macros[call] ? expandMacro(file, call) : [call]));
}

/** Why an outcome does not meet an expectation, or undefined when it does. */
export function mismatch(
  outcome: Outcome,
  expected: Expect,
  context: CaseContext,
): string | undefined {
  const error = 'error' in outcome ? outcome.error : undefined;
  const describe = (): string =>
    outcome.kind === 'ok'
      ? `ok (${JSON.stringify(outcome.value)?.slice(0, 80)})`
      : `${outcome.kind} ${error instanceof CameraError ? error.code : String(error)}: ${
          error instanceof Error ? error.message : ''
        }`;

  if (expected.outcome === 'ok') {
    if (outcome.kind !== 'ok') return `expected ok, got ${describe()}`;
    if (expected.returns === undefined) return undefined;
    if (expected.returns === 'non-empty list') {
      return Array.isArray(outcome.value) && outcome.value.length > 0
        ? undefined
        : `expected a non-empty list, got ${describe()}`;
    }
    const wanted = resolveReturns(expected.returns, context);
    return JSON.stringify(outcome.value) === JSON.stringify(wanted)
      ? undefined
      : `expected ${JSON.stringify(wanted)}, got ${describe()}`;
  }

  const delivery = expected.delivery ?? expected.outcome;
  if (outcome.kind !== delivery) return `expected ${delivery} ${expected.code}, got ${describe()}`;
  if (!(error instanceof CameraError)) return `expected a CameraError, got ${describe()}`;
  if (error.code !== expected.code) return `expected code ${expected.code}, got ${describe()}`;
  return undefined;
}
