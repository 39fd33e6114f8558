/**
 * The control table against the UVC 1.5 tables, and every standard control of every real
 * camera in the fixtures through its emulated twin: listed with the camera's own ranges, set
 * and read back, refused outside its range — through the library and through `webuvc controls`.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

import type { ControlDescription } from '../src/camera/controls.js';
import { UvcCamera } from '../src/camera/uvc-camera.js';
import { CameraErrorCode, isCameraError } from '../src/errors.js';
import { loadEmulatedCamera } from '../src/usb/emulated-files.js';
import { EmulatedCamera } from '../src/usb/emulated.js';
import { createVirtualCamera } from '../src/usb/virtual-camera.js';
import { TT, UVC_REQ } from '../src/uvc/constants.js';
import {
  CONTROLS,
  PUBLIC_CONTROLS,
  controlByName,
  decodeControlValue,
  encodeFieldValues,
  fieldValues,
  resolveControlName,
  type ControlValue,
} from '../src/uvc/controls.js';
import {
  buildConfiguration,
  compositeDeviceDescriptor,
  writeDeviceDescriptor,
} from '../src/uvc/descriptor-builder.js';
import type { Entity, VideoFunction } from '../src/uvc/model.js';
import { fixturesDir, projectRoot, rawDescriptorsDir } from './fixtures.js';

/**
 * UVC 1.5 Table 3-6 (CT bmControls bits) and Appendix A.9.4 (selectors), with wLength from
 * §4.2.2.1, typed in independently of `src/uvc/controls.ts`.
 */
const SPEC_CT: Array<[bit: number, selector: number, wLength: number]> = [
  [0, 0x01, 1], [1, 0x02, 1], [2, 0x03, 1], [3, 0x04, 4], [4, 0x05, 1], [5, 0x06, 2],
  [6, 0x07, 2], [7, 0x09, 2], [8, 0x0a, 1], [9, 0x0b, 2], [10, 0x0c, 3], [11, 0x0d, 8],
  [12, 0x0e, 4], [13, 0x0f, 2], [14, 0x10, 2], [17, 0x08, 1], [18, 0x11, 1], [19, 0x12, 1],
  [20, 0x13, 12], [21, 0x14, 10],
];
/** UVC 1.5 Table 3-8 (PU bmControls bits), Appendix A.9.5 and §4.2.2.3. */
const SPEC_PU: Array<[bit: number, selector: number, wLength: number]> = [
  [0, 0x02, 2], [1, 0x03, 2], [2, 0x06, 2], [3, 0x07, 2], [4, 0x08, 2], [5, 0x09, 2],
  [6, 0x0a, 2], [7, 0x0c, 4], [8, 0x01, 2], [9, 0x04, 2], [10, 0x05, 1], [11, 0x10, 1],
  [12, 0x0b, 1], [13, 0x0d, 1], [14, 0x0e, 2], [15, 0x0f, 2], [16, 0x11, 1], [17, 0x12, 1],
  [18, 0x13, 1],
];

/** Every real camera's descriptors that an emulated camera can be built from. */
const descriptorsDir = join(fixturesDir, 'descriptors');
const cameraFiles = [
  ...readdirSync(rawDescriptorsDir)
    .filter((name) => name.endsWith('.config.bin'))
    .map((name) => join(rawDescriptorsDir, name)),
  ...readdirSync(descriptorsDir)
    .filter((name) => name.endsWith('.usbtreeview.txt') || name.endsWith('.lsusb.txt'))
    .map((name) => join(descriptorsDir, name)),
].sort();

const shortName = (path: string): string => path.slice(fixturesDir.length + 1);

/** The range requests, by the name the control API reports them under. */
const RANGE_REQUESTS: Array<['min' | 'max' | 'step' | 'default', number]> = [
  ['min', UVC_REQ.GET_MIN],
  ['max', UVC_REQ.GET_MAX],
  ['step', UVC_REQ.GET_RES],
  ['default', UVC_REQ.GET_DEF],
];

/** What `webuvc controls --json` must print for each control. */
const JSON_FIELDS = ['unit', 'selector', 'min', 'max', 'step', 'default', 'current'] as const;

/** A standard control as the spec tables locate it. */
interface SpecControl {
  entityId: number;
  selector: number;
  wLength: number;
}

/** The standard controls a function's descriptors advertise, read by the spec tables. */
function specAdvertised(fn: VideoFunction): SpecControl[] {
  const found: SpecControl[] = [];
  const bit = (bitmap: Uint8Array, n: number): boolean =>
    (((bitmap[n >> 3] ?? 0) >> (n & 7)) & 1) === 1;
  for (const entity of fn.videoControl.entities) {
    const table = tableOf(entity);
    if (!table) continue;
    for (const [n, selector, wLength] of table.rows) {
      if (bit(table.bitmap, n)) found.push({ entityId: table.id, selector, wLength });
    }
  }
  return found;
}

function tableOf(entity: Entity) {
  if (entity.type === 'inputTerminal' && entity.wTerminalType === TT.ITT_CAMERA && entity.camera) {
    return { rows: SPEC_CT, bitmap: entity.camera.bmControls, id: entity.bTerminalID };
  }
  if (entity.type === 'processingUnit') {
    return { rows: SPEC_PU, bitmap: entity.bmControls, id: entity.bUnitID };
  }
  return undefined;
}

/** A GET request straight to the device, bypassing the control API. */
async function wire(
  device: USBDevice,
  fn: VideoFunction,
  control: ControlDescription,
  request: number,
): Promise<Uint8Array | undefined> {
  const definition = controlByName(control.name)!;
  const setup: USBControlTransferParameters = {
    requestType: 'class',
    recipient: 'interface',
    request,
    value: control.selector << 8,
    index: (control.entityId << 8) | fn.videoControl.bInterfaceNumber,
  };
  const length = request === UVC_REQ.GET_INFO ? 1 : definition.size;
  const result = await device.controlTransferIn(setup, length);
  if (result.status !== 'ok' || !result.data) return undefined;
  return new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.byteLength).slice();
}

/** A value to set that differs from the current one where the range allows. */
function targetValue(control: ControlDescription): ControlValue {
  const definition = controlByName(control.name)!;
  const pick = (min: number, max: number, current: number): number => (current === max ? min : max);
  if (typeof control.max === 'number' && typeof control.min === 'number') {
    return pick(control.min, control.max, Number(control.current));
  }
  const max = control.max as Record<string, number>;
  const min = control.min as Record<string, number>;
  const current = control.current as Record<string, number>;
  const value: Record<string, number> = {};
  for (const field of definition.fields) {
    value[field.name] = pick(min[field.name]!, max[field.name]!, current[field.name]!);
  }
  return value;
}

/** Every function of a camera, opened one after the other. */
async function eachFunction(
  path: string,
  work: (camera: UvcCamera, device: EmulatedCamera) => Promise<void>,
): Promise<void> {
  const probe = await loadEmulatedCamera(path, { pace: 'asap' });
  const count = probe.model.functions.length;
  for (let functionIndex = 0; functionIndex < count; functionIndex += 1) {
    const device = await loadEmulatedCamera(path, { pace: 'asap' });
    const camera = await UvcCamera.open(device, { functionIndex });
    try {
      await work(camera, device);
    } finally {
      await camera.close();
    }
  }
}

describe('the control table', () => {
  it('matches the UVC 1.5 tables of selectors, bmControls bits and lengths', () => {
    const table = (entity: 'camera' | 'processing') =>
      CONTROLS.filter((c) => c.entity === entity)
        .map((c) => [c.bit, c.selector, c.size])
        .sort((a, b) => a[0]! - b[0]!);
    expect(table('camera')).toEqual(SPEC_CT);
    expect(table('processing')).toEqual(SPEC_PU);
  });

  it('lays out every field inside the control, without gaps or overlaps', () => {
    for (const control of CONTROLS) {
      let offset = 0;
      for (const field of control.fields) {
        expect(field.offset, control.name).toBe(offset);
        offset += field.size;
        expect(field.typical.min).toBeLessThanOrEqual(field.typical.def);
      }
      expect(offset, control.name).toBe(control.size);
    }
  });

  it('maps every public name to a wire control, and manual controls to advertised twins', () => {
    for (const entry of PUBLIC_CONTROLS) {
      const resolved = resolveControlName(entry.name);
      expect(resolved?.definition.name, entry.name).toBe(entry.control);
      if (entry.field) expect(resolved?.field?.name).toBe(entry.field);
      for (const alias of entry.aliases) {
        expect(resolveControlName(alias)?.definition.name).toBe(entry.control);
      }
    }
    const names = new Set(CONTROLS.map((c) => c.name));
    for (const control of CONTROLS) {
      const twin = control.inactiveWhen?.control;
      if (twin) expect(names.has(twin), control.name).toBe(true);
    }
    expect(resolveControlName('exposure')?.definition.name).toBe('exposureTimeAbsolute');
  });

  it('encodes and decodes values field by field, signed fields in two’s complement', () => {
    const panTilt = controlByName('panTiltAbsolute')!;
    const bytes = encodeFieldValues(panTilt, [-3600, 7200]);
    expect(Array.from(bytes)).toEqual([0xf0, 0xf1, 0xff, 0xff, 0x20, 0x1c, 0x00, 0x00]);
    expect(decodeControlValue(panTilt, bytes)).toEqual({ pan: -3600, tilt: 7200 });
    const brightness = controlByName('brightness')!;
    expect(decodeControlValue(brightness, encodeFieldValues(brightness, [-5]))).toBe(-5);
    expect(fieldValues(panTilt, { pan: 1, tilt: 2 })).toEqual([1, 2]);
  });
});

describe('every real camera’s controls through its emulated twin', () => {
  it('has real cameras to test', () => {
    // 9 raw configurations, 7 UsbTreeView reports, 15 lsusb dumps: every camera of INDEX.tsv.
    expect(cameraFiles.length).toBe(31);
  });

  for (const path of cameraFiles) {
    it(`${shortName(path)}: advertised controls, their ranges, round trips`, async () => {
      await eachFunction(path, async (camera) => {
        const fn = camera.videoFunction;
        const list = await camera.controls.list();
        const advertised = specAdvertised(fn);
        const key = (c: { entityId: number; selector: number }): string =>
          `${c.entityId}/${c.selector}`;
        expect(list.map(key).sort()).toEqual(advertised.map(key).sort());

        for (const control of list) {
          expect(control.supported, control.name).toBe(true);
          // What the library reports is what the camera answers on the wire.
          const definition = controlByName(control.name)!;
          expect(definition.size).toBe(advertised.find((a) => key(a) === key(control))!.wLength);
          const info = await wire(camera.device, fn, control, UVC_REQ.GET_INFO);
          expect(control.info?.bmCapabilities).toBe(info?.[0]);
          for (const [field, request] of RANGE_REQUESTS) {
            if (!definition.requests.includes(request)) continue;
            const bytes = await wire(camera.device, fn, control, request);
            const decoded = bytes && decodeControlValue(definition, bytes);
            expect(control[field], `${control.name} ${field}`).toEqual(decoded);
          }
        }

        for (const control of list) {
          const definition = controlByName(control.name)!;
          if (control.info?.readOnly) {
            await expect(camera.controls.set(control.name, 0)).rejects.toMatchObject({
              code: CameraErrorCode.OPERATION_NOT_ALLOWED,
            });
            continue;
          }
          if (control.automaticControl) {
            const auto = list.find((c) => c.name === control.automaticControl)!;
            await camera.controls.set(auto.name, auto.kind === 'bitmap' ? 'manual' : 0);
          }

          const values: ControlValue[] =
            control.kind === 'bitmap'
              ? control.menu!.map((entry) => entry.value)
              : [targetValue(control)];
          for (const value of values) {
            await camera.controls.set(control.name, value);
            expect(await camera.controls.get(control.name), control.name).toEqual(value);
            const raw = await wire(camera.device, fn, control, UVC_REQ.GET_CUR);
            const sent = encodeFieldValues(definition, fieldValues(definition, value));
            expect(Array.from(raw!)).toEqual(Array.from(sent));
          }

          // A value beyond the camera's maximum is refused before it is sent.
          if (typeof control.max === 'number' && control.kind !== 'bitmap') {
            const tooBig = camera.controls.set(control.name, control.max + 1);
            const error = await tooBig.catch((e: unknown) => e);
            expect(isCameraError(error, CameraErrorCode.INVALID_ARGUMENT), control.name).toBe(true);
          }
        }
      });
    });
  }

  it('the virtual camera’s controls round-trip too', async () => {
    const camera = await UvcCamera.open(await createVirtualCamera({ pace: 'asap' }));
    try {
      const list = await camera.controls.list();
      expect(list.map((c) => c.name)).toContain('panTiltAbsolute');
      await camera.controls.set('exposureMode', 'manual');
      await camera.controls.set('exposure', 200);
      expect(await camera.controls.get('exposure')).toBe(200);
      await camera.controls.set('pan', 7200);
      expect(await camera.controls.get('panTiltAbsolute')).toEqual({ pan: 7200, tilt: 0 });
    } finally {
      await camera.close();
    }
  });

  it('takes power line frequency ranges from the camera, not bcdUVC (bugs.md §9)', async () => {
    const configuration = buildConfiguration({
      bcdUVC: 0x0150,
      processingUnit: { bmControls: 1 << 10 },
      streaming: {
        transfer: { type: 'bulk' },
        formats: [{ kind: 'mjpeg', frames: [{ width: 640, height: 480, intervals: [333_333] }] }],
      },
    });
    const plf = async (idVendor: number, idProduct: number): Promise<ControlDescription> => {
      const device = writeDeviceDescriptor(compositeDeviceDescriptor({ idVendor, idProduct }));
      const emulated = new EmulatedCamera({ configuration, device, pace: 'asap' });
      const camera = await UvcCamera.open(emulated);
      try {
        return await camera.controls.describe('powerLineFrequency');
      } finally {
        await camera.close();
      }
    };
    // A UVC 1.5 camera offers auto (3); the SunplusIT 2b7e:b752 declares 1.5 and stops at 2.
    const uvc15 = await plf(0x1209, 0x0002);
    expect(uvc15.max).toBe(3);
    expect(uvc15.menu?.map((entry) => entry.name)).toEqual(['disabled', '50Hz', '60Hz', 'auto']);
    const sunplus = await plf(0x2b7e, 0xb752);
    expect(sunplus.max).toBe(2);
    expect(sunplus.menu?.map((entry) => entry.name)).toEqual(['disabled', '50Hz', '60Hz']);
  });
});

describe('webuvc controls', () => {
  const run = promisify(execFile);
  const cli = join(projectRoot, 'dist', 'cli', 'main.js');
  const webuvc = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [cli, ...args], { timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };

  it('prints one JSON object per advertised control of every real camera', async () => {
    const runs = cameraFiles.map((path) => webuvc('controls', '--emulate', path, '--json'));
    const results = await Promise.all(runs);
    for (const [index, path] of cameraFiles.entries()) {
      const result = results[index]!;
      expect(result.code, `${shortName(path)}: ${result.stderr}`).toBe(0);
      const printed = JSON.parse(result.stdout) as Array<Record<string, unknown>>;

      const device = await loadEmulatedCamera(path, { pace: 'asap' });
      const camera = await UvcCamera.open(device);
      const expected = await camera.controls.list();
      await camera.close();
      expect(printed.map((c) => c.name)).toEqual(expected.map((c) => c.name));
      for (const [position, control] of expected.entries()) {
        const entry = printed[position]!;
        for (const field of JSON_FIELDS) {
          const what = `${shortName(path)} ${control.name} ${field}`;
          expect(entry[field], what).toEqual(control[field] ?? null);
        }
      }
    }
  });

  it('sets controls in order; an out-of-range value exits with 7400101', async () => {
    const set = await webuvc(
      'controls',
      '--virtual',
      '--set',
      'exposureMode=manual',
      '--set',
      'exposure=200',
      '--json',
    );
    expect(set.code, set.stderr).toBe(0);
    const exposure = (JSON.parse(set.stdout) as Array<Record<string, unknown>>).find(
      (c) => c.name === 'exposureTimeAbsolute',
    );
    expect(exposure).toMatchObject({ current: 200, min: 3, max: 2047, step: 1, default: 250 });
    expect(exposure?.unit).toBe('100 µs');

    const bad = await webuvc('controls', '--virtual', '--set', 'exposure=99999');
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/7400101 INVALID_ARGUMENT/);

    const refused = await webuvc('controls', '--virtual', '--set', 'exposure=200');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/7400102 .*wrong state/);

    const usage = await webuvc('controls', '--virtual', '--set', 'exposure');
    expect(usage.code).toBe(2);
  });
});
