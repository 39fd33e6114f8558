/**
 * Failing controls end in the right code: every VC_REQUEST_ERROR_CODE_CONTROL answer, a
 * refused error-code question, controls advertised but refused (bugs.md §10), the Razer Kiyo
 * Pro's stalls under rapid traffic (bugs.md §8), asynchronous completions and failures through
 * the status endpoint, and the Logitech C920's forgotten controls at stream start.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { CameraControls } from '../src/camera/controls.js';
import { ControlRequestError } from '../src/camera/control-errors.js';
import type { GateClock } from '../src/camera/throttle.js';
import { UvcCamera } from '../src/camera/uvc-camera.js';
import { CameraError, CameraErrorCode } from '../src/errors.js';
import type { EmulatedCamera } from '../src/usb/emulated.js';
import { loadEmulatedCamera } from '../src/usb/emulated-files.js';
import {
  STATUS_ATTRIBUTE,
  UVC_REQ,
  UVC_REQUEST_ERROR,
  VC_CONTROL,
} from '../src/uvc/constants.js';
import { controlByName } from '../src/uvc/controls.js';
import type { QuirkNotice, QuirkOverride } from '../src/uvc/quirks.js';
import { controlChangePacket } from '../src/uvc/status.js';
import { rawDescriptorsDir } from './fixtures.js';
import { asDevice } from './helpers/cameras.js';

const c310 = join(rawDescriptorsDir, 'logitech_c310_046d-081b.config.bin');
const streamcam = join(rawDescriptorsDir, 'logitech_streamcam_046d-0893.config.bin');

/** Virtual time for the rate limit and the emulated device alike. */
function virtualClock(): GateClock & { advance(ms: number): void } {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

async function failure(work: Promise<unknown>): Promise<CameraError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CameraError);
  return error as CameraError;
}

function requestErrorOf(error: CameraError): number | undefined {
  const cause = error.cause;
  expect(cause).toBeInstanceOf(ControlRequestError);
  return (cause as ControlRequestError).requestErrorCode;
}

describe('a STALLed control request ends in the code of the camera’s reason', () => {
  /** UVC 1.5 Table 4-7 codes and the camera error each one must become. */
  const expected: Array<[number, number]> = [
    [UVC_REQUEST_ERROR.NOT_READY, CameraErrorCode.OPERATION_NOT_ALLOWED],
    [UVC_REQUEST_ERROR.WRONG_STATE, CameraErrorCode.OPERATION_NOT_ALLOWED],
    [UVC_REQUEST_ERROR.POWER, CameraErrorCode.OPERATION_NOT_ALLOWED],
    [UVC_REQUEST_ERROR.OUT_OF_RANGE, CameraErrorCode.INVALID_ARGUMENT],
    [UVC_REQUEST_ERROR.INVALID_UNIT, CameraErrorCode.OPERATION_NOT_ALLOWED],
    [UVC_REQUEST_ERROR.INVALID_CONTROL, CameraErrorCode.OPERATION_NOT_ALLOWED],
    [UVC_REQUEST_ERROR.INVALID_REQUEST, CameraErrorCode.OPERATION_NOT_ALLOWED],
    [UVC_REQUEST_ERROR.INVALID_VALUE_WITHIN_RANGE, CameraErrorCode.INVALID_ARGUMENT],
    [UVC_REQUEST_ERROR.UNKNOWN, CameraErrorCode.OPERATION_NOT_ALLOWED],
  ];

  for (const [requestError, code] of expected) {
    it(`request error ${requestError} → ${code}`, async () => {
      const device = await loadEmulatedCamera(c310, { pace: 'asap' });
      const camera = await UvcCamera.open(device);
      try {
        device.stallNext(UVC_REQ.SET_CUR, { errorCode: requestError });
        const error = await failure(camera.controls.set('brightness', 100));
        expect(error.code).toBe(code);
        expect(requestErrorOf(error)).toBe(requestError);
        // The refused value was not applied.
        expect(await camera.controls.get('brightness')).toBe(128);
      } finally {
        await camera.close();
      }
    });
  }

  it('a manual control under its automatic mode: wrong state, 7400102, and why', async () => {
    const camera = await UvcCamera.open(await loadEmulatedCamera(c310, { pace: 'asap' }));
    try {
      const error = await failure(camera.controls.set('exposure', 300));
      expect(error.code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
      expect(requestErrorOf(error)).toBe(UVC_REQUEST_ERROR.WRONG_STATE);
      expect(error.message).toMatch(/autoExposureMode/);
      const described = await camera.controls.describe('exposure');
      expect(described).toMatchObject({ inactive: true, automaticControl: 'autoExposureMode' });
      expect(described.info?.disabledByAuto).toBe(true);

      await camera.controls.set('exposureMode', 'manual');
      expect((await camera.controls.describe('exposure')).inactive).toBe(false);
      await camera.controls.set('exposure', 300);
      expect(await camera.controls.get('exposure')).toBe(300);
    } finally {
      await camera.close();
    }
  });

  it('values outside the range or step are refused with 7400101 before any request', async () => {
    const asked: number[] = [];
    const device = await loadEmulatedCamera(streamcam, {
      pace: 'asap',
      controls: (setup) => {
        asked.push(setup.request);
        return undefined;
      },
    });
    const camera = await UvcCamera.open(device);
    try {
      await camera.controls.set('focusMode', 0);
      await camera.controls.describe('focus');
      const before = asked.filter((r) => r === UVC_REQ.SET_CUR).length;
      for (const bad of [251, -1, 42, 'far', 1e12]) {
        const error = await failure(camera.controls.set('focus', bad));
        expect(error.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
      }
      const invalid = { code: CameraErrorCode.INVALID_ARGUMENT };
      expect(await failure(camera.controls.set('exposureMode', 'auto'))).toMatchObject(invalid);
      expect(await failure(camera.controls.set('exposureMode', 3))).toMatchObject(invalid);
      expect(await failure(camera.controls.set('panTilt', '1,2,3'))).toMatchObject(invalid);
      expect(await failure(camera.controls.set('noSuchControl', 1))).toMatchObject(invalid);
      expect(asked.filter((r) => r === UVC_REQ.SET_CUR).length).toBe(before);
      await camera.controls.set('focus', 45);
      expect(await camera.controls.get('focus')).toBe(45);
    } finally {
      await camera.close();
    }
  });

  it('a camera STALLing the error-code question: 7400102, asked once, noticed once', async () => {
    let questions = 0;
    const device = await loadEmulatedCamera(c310, {
      pace: 'asap',
      controls: (setup) => {
        const selector = setup.value >> 8;
        const asksWhy =
          setup.request === UVC_REQ.GET_CUR && selector === VC_CONTROL.REQUEST_ERROR_CODE_CONTROL;
        if (asksWhy && setup.index >> 8 === 0) {
          questions += 1;
          return { status: 'stall' };
        }
        return undefined;
      },
    });
    const notices: QuirkNotice[] = [];
    const camera = await UvcCamera.open(device, { onNotice: (n) => notices.push(n) });
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        device.stallNext(UVC_REQ.SET_CUR, { errorCode: UVC_REQUEST_ERROR.OUT_OF_RANGE });
        const error = await failure(camera.controls.set('brightness', 100));
        expect(error.code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
        expect(requestErrorOf(error)).toBeUndefined();
      }
      expect(questions).toBe(1);
      expect(notices.filter((n) => n.kind === 'errorCodeUnsupported')).toHaveLength(1);
    } finally {
      await camera.close();
    }
  });

  it('a control advertised but refusing GET_INFO is unsupported, noticed once (§10)', async () => {
    const device = await loadEmulatedCamera(streamcam, { pace: 'asap' });
    const notices: QuirkNotice[] = [];
    const camera = await UvcCamera.open(device, { onNotice: (n) => notices.push(n) });
    try {
      device.stallNext(UVC_REQ.GET_INFO, { errorCode: UVC_REQUEST_ERROR.INVALID_CONTROL });
      const list = await camera.controls.list();
      const refused = list.filter((c) => !c.supported);
      expect(refused.map((c) => c.name)).toEqual([list[0]!.name]);
      expect(refused[0]!.problem).toMatch(/GET_INFO/);
      const error = await failure(camera.controls.get(list[0]!.name));
      expect(error.code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);

      // A second controls object on the same device: the notice is not repeated.
      device.stallNext(UVC_REQ.GET_INFO);
      const again = new CameraControls(device, camera.videoFunction, {
        onNotice: (n) => notices.push(n),
      });
      expect((await again.list()).filter((c) => !c.supported)).toHaveLength(1);
      expect(notices.filter((n) => n.kind === 'controlUnsupported')).toHaveLength(1);
    } finally {
      await camera.close();
    }
  });
});

describe('Razer Kiyo Pro 1532:0e05: STALLs under rapid control traffic (bugs.md §8)', () => {
  /** 60 requests as fast as the host can send them. */
  async function burst(controls: CameraControls): Promise<CameraError | undefined> {
    for (let index = 0; index < 30; index += 1) {
      try {
        await controls.set('brightness', 100 + index);
        await controls.get('brightness');
      } catch (error) {
        return error as CameraError;
      }
    }
    return undefined;
  }

  async function kiyo(override?: QuirkOverride) {
    const clock = virtualClock();
    const device = asDevice(c310, 0x1532, 0x0e05, { clock: clock.now });
    const notices: QuirkNotice[] = [];
    const camera = await UvcCamera.open(device, {
      onNotice: (n) => notices.push(n),
      ...(override ? { quirkOverride: override } : {}),
    });
    const controls = new CameraControls(device, camera.videoFunction, {
      quirks: camera.quirks,
      clock,
      onNotice: (n) => notices.push(n),
    });
    return { camera, controls, clock, notices };
  }

  it('with the quirk table’s rate limit: no STALL, the requests wait', async () => {
    const { camera, controls, notices } = await kiyo();
    try {
      expect(camera.quirks.flags.has('controlThrottle')).toBe(true);
      expect(notices.map((n) => n.kind)).toContain('controlThrottle');
      expect(await burst(controls)).toBeUndefined();
      expect(await controls.get('brightness')).toBe(129);
      expect(controls.gate.waits.count).toBeGreaterThan(0);
    } finally {
      await camera.close();
    }
  });

  it('without it: a STALL, 7400102, no question asked; it recovers after a pause', async () => {
    const { camera, controls, clock, notices } = await kiyo({ remove: ['controlThrottle'] });
    try {
      const error = await burst(controls);
      expect(error?.code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
      expect(requestErrorOf(error!)).toBeUndefined();
      expect(notices.map((n) => n.kind)).toContain('noErrorCodeQuery');
      clock.advance(1000);
      expect(await controls.get('brightness')).toBeGreaterThanOrEqual(100);
    } finally {
      await camera.close();
    }
  });

  it('asking why right after the STALL locks the camera up: why the quirk skips it', async () => {
    const { camera, controls, clock } = await kiyo({ only: [] });
    try {
      const error = await burst(controls);
      expect(error?.code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
      clock.advance(10_000);
      const after = await failure(controls.get('brightness'));
      expect(after.code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
    } finally {
      await camera.close();
    }
  });
});

describe('asynchronous controls and control-change events', () => {
  it('pan/tilt completes through the status endpoint; auto modes report info changes', async () => {
    const device = await loadEmulatedCamera(streamcam, { pace: 'asap', reportInfoChanges: true });
    const camera = await UvcCamera.open(device);
    const events: unknown[] = [];
    const stop = camera.events.on((event) => events.push(event));
    try {
      const described = await camera.controls.describe('panTilt');
      expect(described.info?.asynchronous).toBe(true);
      const outcome = await camera.controls.set('pan', 7200);
      expect(outcome).toMatchObject({ asynchronous: true, completed: true });
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'control',
          control: 'panTiltAbsolute',
          attribute: 'value',
          decoded: { pan: 7200, tilt: 0 },
        }),
      );

      await camera.controls.set('exposureMode', 'manual');
      await new Promise((resolve) => setTimeout(resolve, 0));
      const info = events.find(
        (e) => (e as { control?: string; attribute?: string }).control === 'exposureTimeAbsolute',
      ) as { attribute: string; info: { disabledByAuto: boolean } } | undefined;
      expect(info?.attribute).toBe('info');
      expect(info?.info.disabledByAuto).toBe(false);
    } finally {
      stop();
      await camera.close();
    }
  });

  it('an asynchronous failure reported by the camera ends in its reason’s code', async () => {
    const panTilt = controlByName('panTiltAbsolute')!;
    let device: EmulatedCamera | undefined;
    device = await loadEmulatedCamera(streamcam, {
      pace: 'asap',
      controls: (setup, direction) => {
        if (direction !== 'out' || setup.value >> 8 !== panTilt.selector) return undefined;
        // The camera accepts the request, then reports that moving there failed.
        const reason = Uint8Array.of(UVC_REQUEST_ERROR.OUT_OF_RANGE);
        const entity = setup.index >> 8;
        const failed = STATUS_ATTRIBUTE.FAILURE;
        const packet = controlChangePacket(entity, panTilt.selector, failed, reason);
        setTimeout(() => device?.queueStatusPacket(packet), 0);
        return { status: 'ok' };
      },
    });
    const camera = await UvcCamera.open(device);
    try {
      const error = await failure(camera.controls.set('panTilt', { pan: 3600, tilt: 3600 }));
      expect(error.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
      expect(requestErrorOf(error)).toBe(UVC_REQUEST_ERROR.OUT_OF_RANGE);
    } finally {
      await camera.close();
    }
  });
});

describe('Logitech C920 046d:082d forgets its controls when streaming starts', () => {
  async function streamOnce(override?: QuirkOverride): Promise<Record<string, unknown>> {
    const options = override ? { quirkOverride: override } : {};
    const camera = await UvcCamera.open(asDevice(c310, 0x046d, 0x082d), options);
    try {
      await camera.controls.set('brightness', 200);
      await camera.controls.set('exposureMode', 'manual');
      await camera.controls.set('exposure', 400);
      let frames = 0;
      const stream = await camera.startStream({ pixelFormat: 'MJPEG' }, (frame) => {
        frames += 1;
        frame.release();
      });
      await stream.stop();
      expect(frames).toBeGreaterThanOrEqual(0);
      return {
        brightness: await camera.controls.get('brightness'),
        exposure: await camera.controls.get('exposure'),
      };
    } finally {
      await camera.close();
    }
  }

  it('the values set before streaming are set again after it starts', async () => {
    expect(await streamOnce()).toEqual({ brightness: 200, exposure: 400 });
  });

  it('without the quirk they are lost: the emulated C920 really forgets', async () => {
    const forgotten = await streamOnce({ remove: ['restoreControlsOnInit'] });
    expect(forgotten).toEqual({ brightness: 128, exposure: 250 });
  });
});
