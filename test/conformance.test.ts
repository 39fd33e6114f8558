/**
 * Conformance with OpenHarmony: every case of fixtures/conformance/ohos-cases.json runs
 * against webuvc's camera API on an emulated camera (webuvc's virtual camera; for OK-014 the
 * same design with 60 fps, which its precondition needs).
 *
 * Where webuvc deliberately differs, {@link DEVIATIONS} says which steps expect what instead,
 * and why; every other step must give exactly the table's outcome and code. Events from
 * outside the application are simulated on the emulated camera ({@link TRIGGERS}).
 */
import { afterEach, describe, expect, it } from 'vitest';

import { CameraErrorCode, type CameraError } from '../src/errors.js';
import { fastCamera, managerFor, virtualCamera } from './helpers/cameras.js';
import {
  expandMacro,
  loadConformanceFile,
  mismatch,
  runCall,
  type CaseContext,
  type ConformanceCase,
  type Expect,
  type Handles,
  type Trigger,
} from './helpers/conformance.js';
import { libusbError } from './helpers/test-device.js';
import { SceneMode } from '../src/camera/enums.js';

const file = loadConformanceFile();

/** A deliberate difference: replacement expectations by step index, extra steps, the reason. */
interface Deviation {
  why: string;
  steps?: Record<number, Expect>;
  /** Steps appended after the case's own (call strings, as in macros). */
  then?: Array<{ call: string; expect: Expect }>;
}

const ok: Expect = { outcome: 'ok' };
const error = (code: number, delivery: 'throw' | 'reject' | 'event'): Expect => ({
  outcome: delivery === 'event' ? 'event' : 'error',
  code,
  delivery,
});

/** Where webuvc differs from the table on purpose. */
export const DEVIATIONS: Record<string, Deviation> = {
  'DD-002': {
    why:
      'An unplugged camera is SERVICE_FATAL_ERROR (7400201) in webuvc, on the input error ' +
      'event and for pending calls alike, as the issue asks and as the USB failure table maps ' +
      'a vanished device; OpenHarmony relays the HAL DEVICE_DISCONNECT as 7400108.',
    steps: { 2: error(CameraErrorCode.SERVICE_FATAL_ERROR, 'event') },
  },
  'FPS-001': {
    why:
      'The deprecated generic CaptureSession negotiates frame rates like Photo and Video ' +
      'sessions instead of refusing every request with 7400110, so ported code keeps working.',
    steps: { 6: ok },
  },
  'NA-010': {
    why:
      'USB permission is checked when the device is opened, not when an input is created: ' +
      'createCameraInput succeeds and open() rejects with 7400108 (libusb ACCESS), as the ' +
      'declaration lists for a disabled device.',
    steps: { 0: ok },
    then: [{ call: 'input.open', expect: error(CameraErrorCode.DEVICE_DISABLED, 'reject') }],
  },
  'NA-011': {
    why:
      'Another program holding the camera is CONFLICT_CAMERA (7400107), as the declaration ' +
      'says and CF-001 does; webuvc cannot tell priorities apart, so it has no reason to use ' +
      'the 7400102 the OpenHarmony service picks when arbitration refuses.',
    steps: { 0: error(CameraErrorCode.CONFLICT_CAMERA, 'reject') },
  },
  'NA-012': {
    why:
      'A camera blocked by policy (a browser’s protected video class) is DEVICE_DISABLED ' +
      '(7400108), as the declaration says and the issue asks; OpenHarmony’s service ' +
      'answers 7400102.',
    steps: { 0: error(CameraErrorCode.DEVICE_DISABLED, 'reject') },
  },
  'NR-003': {
    why:
      'Still method 1 takes a frame of the running stream, so capture() before start() has ' +
      'nothing to take and rejects with SESSION_NOT_RUNNING (7400104), as the declaration ' +
      'documents and the table recommends; OpenHarmony lets it through to the HAL.',
    steps: { 1: error(CameraErrorCode.SESSION_NOT_RUNNING, 'reject') },
  },
  'PR-002': {
    why:
      'Sessions take cameras, not processes: creating a second session evicts nothing; the ' +
      'older session loses the camera (released, its input told 7400109) when a newer session ' +
      'commits with the same camera. The event step is caused that way.',
  },
  'QK-002': {
    why:
      'A failed capture reaches the photo error listener as a CameraError with ' +
      'SERVICE_FATAL_ERROR (7400201), as the table recommends, never a raw internal code.',
    steps: { 3: error(CameraErrorCode.SERVICE_FATAL_ERROR, 'event') },
  },
  'SF-009': {
    why: 'release() is idempotent in webuvc (the issue asks for it): the second call succeeds.',
    steps: { 2: ok },
  },
  'SF-012': {
    why: 'close() twice is 7400201 as in OpenHarmony, but release() is idempotent: it succeeds.',
    steps: { 3: ok },
  },
  'SF-013': {
    why: 'Output release() is idempotent in webuvc: the second call succeeds.',
    steps: { 1: ok },
  },
};

/** How each event from outside the application is caused on the emulated camera. */
const TRIGGERS: Record<string, Trigger> = {
  // The USB camera is unplugged.
  'DD-002': async ({ emulated }) => emulated.disconnect(),
  // Another process takes the camera over: its transfers fail with LIBUSB_ERROR_BUSY.
  'PR-001': async ({ device }) => device.takeOver(),
  // A newer session of this process commits with the same camera.
  'PR-002': async ({ handles }) => {
    const session = handles.session_b!;
    await handles.input_b.open();
    session.beginConfig();
    session.addInput(handles.input_b);
    session.addOutput(handles.preview_b);
    await session.commitConfig();
  },
  // A capture is lost: the stream's transfers fail on the wire while it waits for a frame.
  'QK-002': async ({ handles, device }) => {
    const capture = handles.photo.capture();
    device.failStreaming(libusbError('LIBUSB_ERROR_IO'));
    await capture.catch(() => undefined);
  },
};

/** Preconditions: what the emulated camera is made to do before the case. */
const PRECONDITIONS: Record<string, (context: CaseContext) => void> = {
  // The camera is busy with someone else while it is opened.
  'CF-001': ({ device }) => device.holdElsewhere(),
  // The process lacks permission to open the device.
  'NA-010': ({ device }) => device.denyAccess(),
  // Another program holds the camera.
  'NA-011': ({ device }) => device.holdElsewhere(),
};

const contexts: CaseContext[] = [];

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.handles.manager.release();
});

async function setUp(testCase: ConformanceCase): Promise<CaseContext> {
  const { emulated, device } =
    testCase.id === 'OK-014'
      ? fastCamera()
      : await virtualCamera({ protectVideoClass: testCase.id === 'NA-012' });
  const manager = await managerFor([device]);
  const camera = manager.getSupportedCameras()[0]!;
  const capability = manager.getSupportedOutputCapability(camera);
  const previewProfile = capability.previewProfiles[0]!;
  const videoProfile =
    capability.videoProfiles.find(
      (p) =>
        p.format === previewProfile.format &&
        p.size.width === previewProfile.size.width &&
        p.size.height === previewProfile.size.height &&
        p.frameRateRange.min === p.frameRateRange.max &&
        p.frameRateRange.min === 30,
    ) ?? capability.videoProfiles[0]!;

  const video = testCase.session_kind === 'VideoSession';
  const handles: Handles = {
    manager,
    camera,
    input: manager.createCameraInput(camera),
    input_b: manager.createCameraInput(camera),
    session: manager.createSession(video ? SceneMode.NORMAL_VIDEO : SceneMode.NORMAL_PHOTO),
    legacy: manager.createCaptureSession(),
    preview: manager.createPreviewOutput(previewProfile),
    preview_b: manager.createPreviewOutput(previewProfile),
    photo: manager.createPhotoOutput(capability.photoProfiles[0]!),
    video: manager.createVideoOutput(videoProfile),
    videoProfile,
  };

  const heard: CameraError[] = [];
  let waiting: ((e: CameraError) => void) | undefined;
  const context: CaseContext = {
    handles,
    emulated,
    device,
    heard: new Proxy(heard, {
      get(target, key, receiver) {
        if (key === 'push') {
          return (e: CameraError) => {
            target.push(e);
            waiting?.(e);
            return target.length;
          };
        }
        return Reflect.get(target, key, receiver) as unknown;
      },
    }),
    nextHeard: () => new Promise<CameraError>((resolve) => (waiting = resolve)),
    memo: new Map(),
  };
  contexts.push(context);
  PRECONDITIONS[testCase.id]?.(context);
  return context;
}

/**
 * Run a case; returns one line per step that did not meet its expectation. With `asTable` the
 * deviations' replacement expectations and extra steps are left out.
 */
async function runCase(testCase: ConformanceCase, asTable = false): Promise<string[]> {
  const context = await setUp(testCase);
  const deviation = asTable ? undefined : DEVIATIONS[testCase.id];
  const problems: string[] = [];

  for (const [index, step] of testCase.steps.entries()) {
    const expected = deviation?.steps?.[index] ?? step.expect ?? ok;
    const where = `step ${index} (${step.call ?? step.macro ?? step.event})`;

    if (step.macro) {
      for (const call of expandMacro(file, step.macro)) {
        const outcome = await runCall(context, call, undefined);
        const problem = mismatch(outcome, ok, context);
        if (problem) problems.push(`${where}: ${call}: ${problem}`);
      }
      continue;
    }

    if (step.event) {
      const trigger = TRIGGERS[testCase.id];
      if (!trigger) {
        problems.push(`${where}: no trigger for "${step.trigger}"`);
        continue;
      }
      const earlier = context.heard[0];
      const heard = earlier ? Promise.resolve(earlier) : context.nextHeard();
      await trigger(context);
      const event = await Promise.race([
        heard,
        new Promise<undefined>((resolve) => setTimeout(resolve, 5_000, undefined)),
      ]);
      const outcome = event
        ? { kind: 'event' as const, error: event }
        : { kind: 'ok' as const, value: 'no event' };
      const problem = mismatch(outcome, expected, context);
      if (problem) problems.push(`${where}: ${problem}`);
      continue;
    }

    const outcome = await runCall(context, step.call!, step.args);
    const problem = mismatch(outcome, expected, context);
    if (problem) problems.push(`${where}: ${problem}`);
  }

  for (const extra of deviation?.then ?? []) {
    const outcome = await runCall(context, extra.call, undefined);
    const problem = mismatch(outcome, extra.expect, context);
    if (problem) problems.push(`then ${extra.call}: ${problem}`);
  }
  return problems;
}

describe('OpenHarmony conformance table', () => {
  it('has the cases and codes the README describes', () => {
    expect(file.cases.length).toBeGreaterThanOrEqual(50);
    expect(Object.keys(file.codes).map(Number).sort()).toEqual(
      Object.values(CameraErrorCode).slice().sort(),
    );
  });

  it('names only cases that exist in its deviations and triggers', () => {
    const ids = new Set(file.cases.map((c) => c.id));
    for (const id of [...Object.keys(DEVIATIONS), ...Object.keys(TRIGGERS)]) {
      expect(ids.has(id), id).toBe(true);
    }
  });

  it('lists as deviations only cases whose table outcome webuvc does not give', async () => {
    for (const [id, deviation] of Object.entries(DEVIATIONS)) {
      if (!deviation.steps) continue;
      const testCase = file.cases.find((c) => c.id === id)!;
      const problems = await runCase(testCase, true);
      expect(problems.length, id).toBeGreaterThan(0);
      for (const context of contexts.splice(0)) await context.handles.manager.release();
    }
  });

  for (const testCase of file.cases) {
    const label = DEVIATIONS[testCase.id] ? ' (webuvc deviates)' : '';
    it(`${testCase.id} [${testCase.code_under_test}] ${testCase.title}${label}`, async () => {
      expect(await runCase(testCase)).toEqual([]);
    });
  }
});
