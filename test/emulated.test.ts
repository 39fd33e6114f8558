/**
 * The emulated camera against the real descriptors in fixtures/descriptors/raw: descriptors
 * read back byte for byte, probe/commit by hand, two whole frames through the real streaming
 * endpoint, controls, state checks and injected faults.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';

import { UVC_REQ, UVC_REQUEST_ERROR, VC_CONTROL, VS_CONTROL } from '../src/uvc/constants.js';
import { CONTROLS } from '../src/uvc/controls.js';
import { writeConfiguration } from '../src/uvc/descriptor-builder.js';
import { parseConfiguration } from '../src/uvc/descriptors.js';
import type {
  CameraModel,
  EndpointInfo,
  FormatDescriptor,
  FrameDescriptor,
  VideoStreamingInterface,
} from '../src/uvc/model.js';
import { EmulatedCamera, isDomException, type EmulatedCameraOptions } from '../src/usb/emulated.js';
import { loadDescriptorFile, loadEmulatedCamera } from '../src/usb/emulated-files.js';
import { fixturesDir, rawDescriptorsDir } from './fixtures.js';

const GET_DESCRIPTOR = 0x06;
const DT_DEVICE = 0x01;
const DT_CONFIGURATION = 0x02;

/** Payload header bits (UVC 1.5 §2.4.3.3). */
const BFH = { FID: 0x01, EOF: 0x02, PTS: 0x04, SCR: 0x08, ERR: 0x40, EOH: 0x80 } as const;

/** Every real configuration in raw/ (the synthetic ones live in a subfolder). */
const configFiles = readdirSync(rawDescriptorsDir)
  .filter((name) => name.endsWith('.config.bin'))
  .sort();

function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

function probeLength(bcdUVC: number): number {
  return bcdUVC >= 0x0150 ? 48 : bcdUVC >= 0x0110 ? 34 : 26;
}

function vsSetup(request: number, selector: number, vs: number): USBControlTransferParameters {
  return { requestType: 'class', recipient: 'interface', request, value: selector << 8, index: vs };
}

/** A request to a terminal or unit of the VideoControl interface (interface 0 in every test). */
function vcSetup(request: number, selector: number, entity: number): USBControlTransferParameters {
  const index = entity << 8;
  return { requestType: 'class', recipient: 'interface', request, value: selector << 8, index };
}

/** Read a probe/commit request of VideoStreaming interface 1. */
async function probeIn(
  camera: EmulatedCamera,
  request: number,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const setup = vsSetup(request, VS_CONTROL.PROBE_CONTROL, 1);
  return bytesOf(await camera.controlTransferIn(setup, length)).slice();
}

/** SET_CUR on the probe control of VideoStreaming interface 1. */
async function probeSet(
  camera: EmulatedCamera,
  data: Uint8Array<ArrayBuffer>,
): Promise<USBTransferStatus> {
  const setup = vsSetup(UVC_REQ.SET_CUR, VS_CONTROL.PROBE_CONTROL, 1);
  return (await camera.controlTransferOut(setup, data)).status;
}

/** A GET request to a VideoControl entity. */
function controlIn(
  camera: EmulatedCamera,
  request: number,
  selector: number,
  entity: number,
  length: number,
): Promise<USBInTransferResult> {
  return camera.controlTransferIn(vcSetup(request, selector, entity), length);
}

/** SET_CUR on a VideoControl entity; returns the status. */
async function controlSet(
  camera: EmulatedCamera,
  selector: number,
  entity: number,
  data: Uint8Array<ArrayBuffer>,
): Promise<USBTransferStatus> {
  return (await camera.controlTransferOut(vcSetup(UVC_REQ.SET_CUR, selector, entity), data)).status;
}

function bytesOf(result: USBInTransferResult): Uint8Array<ArrayBuffer> {
  expect(result.status).toBe('ok');
  const data = result.data;
  if (!data) return new Uint8Array(0);
  return new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
}

function u32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

/** Where each streaming interface lives in the model. */
interface StreamingPlace {
  vs: VideoStreamingInterface;
  vc: number;
  bcdUVC: number;
  clock: number;
}

function streamingOf(model: CameraModel): StreamingPlace[] {
  return model.functions.flatMap(({ videoControl, streaming }) =>
    streaming
      .filter((vs) => vs.formats.length > 0 && vs.inputHeader)
      .map((vs) => ({
        vs,
        vc: videoControl.bInterfaceNumber,
        bcdUVC: videoControl.bcdUVC,
        clock: videoControl.dwClockFrequency,
      })),
  );
}

function streamingEndpoints(
  vs: VideoStreamingInterface,
): Array<{ alternate: number; endpoint: EndpointInfo }> {
  const address = vs.inputHeader?.bEndpointAddress;
  return vs.alternateSettings.flatMap((setting) =>
    setting.endpoints
      .filter((e) => e.bEndpointAddress === address)
      .map((endpoint) => ({ alternate: setting.bAlternateSetting, endpoint })),
  );
}

/** GET_DEF, SET_CUR and GET_CUR on the probe, then SET_CUR on the commit; returns the commit. */
async function negotiateDefault(
  camera: EmulatedCamera,
  vs: number,
  length: number,
): Promise<Uint8Array> {
  const { PROBE_CONTROL: PROBE, COMMIT_CONTROL: COMMIT } = VS_CONTROL;
  const read = async (request: number): Promise<Uint8Array<ArrayBuffer>> =>
    bytesOf(await camera.controlTransferIn(vsSetup(request, PROBE, vs), length)).slice();
  const defaults = await read(UVC_REQ.GET_DEF);
  expect(defaults.length).toBe(length);
  const set = await camera.controlTransferOut(vsSetup(UVC_REQ.SET_CUR, PROBE, vs), defaults);
  expect(set.status).toBe('ok');
  const current = await read(UVC_REQ.GET_CUR);
  const commit = await camera.controlTransferOut(vsSetup(UVC_REQ.SET_CUR, COMMIT, vs), current);
  expect(commit.status).toBe('ok');
  return current.slice();
}

interface Payload {
  header: Uint8Array;
  data: Uint8Array;
  length: number;
}

/** Read payloads until two frames ended with EOF; the frames before the first EOF are skipped. */
async function readTwoFrames(
  camera: EmulatedCamera,
  vs: VideoStreamingInterface,
  payloadLimit: number,
): Promise<{ frames: Payload[][]; transport: 'bulk' | 'isochronous' }> {
  const endpoints = streamingEndpoints(vs);
  const bulk = endpoints.find(({ endpoint }) => endpoint.transferType === 'bulk');
  const payloads: Payload[] = [];
  const frames: Payload[][] = [];
  const take = (bytes: Uint8Array): void => {
    if (bytes.length === 0) return;
    const hle = bytes[0] ?? 0;
    const payload = { header: bytes.slice(0, hle), data: bytes.slice(hle), length: bytes.length };
    payloads.push(payload);
    if ((payload.header[1] ?? 0) & BFH.EOF) frames.push(payloads.splice(0));
  };

  if (bulk) {
    await camera.selectAlternateInterface(vs.bInterfaceNumber, bulk.alternate);
    for (let transfer = 0; frames.length < 2 && transfer < 10_000; transfer += 1) {
      const result = await camera.transferIn(bulk.endpoint.bEndpointAddress & 0x0f, payloadLimit);
      const bytes = bytesOf(result);
      expect(bytes.length).toBeLessThanOrEqual(payloadLimit);
      take(bytes);
    }
    return { frames, transport: 'bulk' };
  }

  const widest = endpoints.reduce((a, b) =>
    b.endpoint.bytesPerInterval > a.endpoint.bytesPerInterval ? b : a,
  );
  await camera.selectAlternateInterface(vs.bInterfaceNumber, widest.alternate);
  const packetLengths = new Array<number>(32).fill(widest.endpoint.bytesPerInterval);
  for (let transfer = 0; frames.length < 2 && transfer < 10_000; transfer += 1) {
    const endpointNumber = widest.endpoint.bEndpointAddress & 0x0f;
    const result = await camera.isochronousTransferIn(endpointNumber, packetLengths);
    expect(result.packets).toHaveLength(packetLengths.length);
    for (const packet of result.packets) {
      expect(packet.status).toBe('ok');
      const data = packet.data;
      const bytes = data
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : new Uint8Array(0);
      expect(bytes.length).toBeLessThanOrEqual(widest.endpoint.bytesPerInterval);
      // Header-only packets between frames carry no image data.
      if (bytes.length > (bytes[0] ?? 0) || ((bytes[1] ?? 0) & BFH.EOF) !== 0) take(bytes);
    }
  }
  return { frames, transport: 'isochronous' };
}

function expectedFrameSize(format: FormatDescriptor, frame: FrameDescriptor): number | undefined {
  if (format.kind !== 'uncompressed') return undefined;
  return (frame.wWidth * frame.wHeight * (format.bBitsPerPixel ?? 0)) / 8;
  return undefined;
}

describe('emulated cameras built from real descriptors', () => {
  it('has real cameras to test', () => {
    expect(configFiles.length).toBeGreaterThanOrEqual(9);
  });

  for (const file of configFiles) {
    const path = join(rawDescriptorsDir, file);
    const config = readBytes(path);
    const devicePath = path.replace(/\.config\.bin$/, '.device.bin');
    const device = existsSync(devicePath) ? readBytes(devicePath) : undefined;
    const model = parseConfiguration(config, device);
    const streams = streamingOf(model);

    it(`${file}: answers GET_DESCRIPTOR with the file's bytes`, async () => {
      const camera = await loadEmulatedCamera(path, { pace: 'asap' });
      await camera.open();
      const setup = (type: number): USBControlTransferParameters => ({
        requestType: 'standard',
        recipient: 'device',
        request: GET_DESCRIPTOR,
        value: type << 8,
        index: 0,
      });
      const header = bytesOf(await camera.controlTransferIn(setup(DT_CONFIGURATION), 9));
      expect(Array.from(header)).toEqual(Array.from(config.subarray(0, 9)));
      const total = header[2]! | (header[3]! << 8);
      const whole = bytesOf(await camera.controlTransferIn(setup(DT_CONFIGURATION), total));
      expect(Array.from(whole)).toEqual(Array.from(config.subarray(0, total)));
      const deviceBytes = bytesOf(await camera.controlTransferIn(setup(DT_DEVICE), 18));
      if (device) expect(Array.from(deviceBytes)).toEqual(Array.from(device));
      else expect(deviceBytes[1]).toBe(DT_DEVICE);
      expect(camera.vendorId).toBe(deviceBytes[8]! | (deviceBytes[9]! << 8));
    });

    for (const { vs, vc, bcdUVC, clock } of streams) {
      it(`${file}: streams two whole frames on interface ${vs.bInterfaceNumber}`, async () => {
        const camera = await loadEmulatedCamera(path, { pace: 'asap' });
        await camera.open();
        await camera.claimInterface(vc);
        await camera.claimInterface(vs.bInterfaceNumber);
        const committed = await negotiateDefault(camera, vs.bInterfaceNumber, probeLength(bcdUVC));

        // The negotiated values agree with the descriptors.
        const format = vs.formats.find((f) => f.bFormatIndex === committed[2]);
        const frame = format?.frames.find((f) => f.bFrameIndex === committed[3]);
        expect(format).toBeDefined();
        expect(frame).toBeDefined();
        if (!format || !frame) return;
        const interval = u32(committed, 4);
        if (frame.intervals.kind === 'discrete') expect(frame.intervals.values).toContain(interval);
        else expect(interval).toBeGreaterThanOrEqual(frame.intervals.min);
        const frameSize = expectedFrameSize(format, frame);
        const bufferSize = frame.dwMaxVideoFrameBufferSize ?? u32(committed, 18);
        expect(u32(committed, 18)).toBe(frameSize ?? bufferSize);
        const payloadLimit = u32(committed, 22);
        const endpoints = streamingEndpoints(vs);
        if (endpoints.some(({ endpoint }) => endpoint.transferType === 'isochronous')) {
          const widest = Math.max(...endpoints.map(({ endpoint }) => endpoint.bytesPerInterval));
          expect(payloadLimit).toBe(widest);
        }

        const { frames } = await readTwoFrames(camera, vs, payloadLimit);
        expect(frames).toHaveLength(2);
        const fids: number[] = [];
        const pts: number[] = [];
        for (const payloads of frames) {
          const fid = (payloads[0]?.header[1] ?? 0) & BFH.FID;
          payloads.forEach((payload, index) => {
            const bfh = payload.header[1] ?? 0;
            expect(payload.header[0]).toBe(12);
            expect(bfh & (BFH.EOH | BFH.PTS | BFH.SCR)).toBe(BFH.EOH | BFH.PTS | BFH.SCR);
            expect(bfh & BFH.FID).toBe(fid);
            expect((bfh & BFH.EOF) !== 0).toBe(index === payloads.length - 1);
            expect(payload.length).toBeLessThanOrEqual(payloadLimit);
            expect(u32(payload.header, 2)).toBe(u32(payloads[0]!.header, 2));
          });
          fids.push(fid);
          pts.push(u32(payloads[0]!.header, 2));

          const bytes = payloads.reduce((sum, payload) => sum + payload.data.length, 0);
          if (frameSize !== undefined) expect(bytes).toBe(frameSize);
          else expect(bytes).toBeLessThanOrEqual(u32(committed, 18));
          if (format.kind === 'mjpeg') {
            const first = payloads[0]!.data;
            const last = payloads[payloads.length - 1]!.data;
            expect([first[0], first[1]]).toEqual([0xff, 0xd8]);
            expect([last[last.length - 2], last[last.length - 1]]).toEqual([0xff, 0xd9]);
          }
        }
        expect(fids[1]).toBe(1 - fids[0]!);
        // Consecutive frames are one frame interval apart on the device clock.
        const ticks = (pts[1]! - pts[0]! + 0x1_0000_0000) % 0x1_0000_0000;
        expect(Math.abs(ticks - (interval * clock) / 10_000_000)).toBeLessThanOrEqual(1);
      });
    }
  }
});

describe('emulated camera behaviour', () => {
  const c310 = join(rawDescriptorsDir, 'logitech_c310_046d-081b.config.bin');
  const genericBulk = join(rawDescriptorsDir, 'generic_hd_video_bulk_349c-3307.config.bin');

  async function openC310(options: Partial<EmulatedCameraOptions> = {}): Promise<EmulatedCamera> {
    const camera = await loadEmulatedCamera(c310, { pace: 'asap', ...options });
    await camera.open();
    await camera.claimInterface(0);
    await camera.claimInterface(1);
    return camera;
  }

  async function errorCode(camera: EmulatedCamera): Promise<number> {
    const selector = VC_CONTROL.REQUEST_ERROR_CODE_CONTROL;
    const answer = await controlIn(camera, UVC_REQ.GET_CUR, selector, 0, 1);
    return bytesOf(answer)[0] ?? -1;
  }

  it('C270 streams isochronous packets of at most 3 × 1020 bytes', async () => {
    const c270 = join(rawDescriptorsDir, 'logitech_c270_046d-0825.config.bin');
    const camera = await loadEmulatedCamera(c270, { pace: 'asap' });
    const vs = camera.model.functions[0]!.streaming[0]!;
    const endpoints = streamingEndpoints(vs);
    const widest = Math.max(...endpoints.map(({ endpoint }) => endpoint.bytesPerInterval));
    expect(widest).toBe(3 * 1020);
    await camera.open();
    await camera.claimInterface(0);
    await camera.claimInterface(1);
    const committed = await negotiateDefault(camera, 1, 26);
    expect(u32(committed, 22)).toBe(3060);
    const { frames } = await readTwoFrames(camera, vs, 3060);
    const lengths = frames.flat().map((payload) => payload.length);
    expect(Math.max(...lengths)).toBe(3060);
  });

  it('STALLs a probe naming a missing format or frame, and reports error 4', async () => {
    const camera = await openC310();
    const vs = camera.model.functions[0]!.streaming[0]!;
    const proposal = await probeIn(camera, UVC_REQ.GET_DEF, 26);

    proposal[2] = vs.formats.length + 1;
    expect(await probeSet(camera, proposal)).toBe('stall');
    expect(await errorCode(camera)).toBe(UVC_REQUEST_ERROR.OUT_OF_RANGE);

    proposal[2] = 1;
    proposal[3] = vs.formats[0]!.frames.length + 1;
    expect(await probeSet(camera, proposal)).toBe('stall');
    expect(await errorCode(camera)).toBe(UVC_REQUEST_ERROR.OUT_OF_RANGE);

    proposal[3] = 1;
    expect(await probeSet(camera, proposal)).toBe('ok');
    expect(await errorCode(camera)).toBe(UVC_REQUEST_ERROR.NO_ERROR);
  });

  it('moves the frame interval to the nearest supported one; rejects a short probe', async () => {
    const camera = await openC310();
    const proposal = await probeIn(camera, UVC_REQ.GET_DEF, 26);
    new DataView(proposal.buffer).setUint32(4, 350_000, true);
    expect(await probeSet(camera, proposal)).toBe('ok');
    const current = await probeIn(camera, UVC_REQ.GET_CUR, 26);
    expect(u32(current, 4)).toBe(333_333);

    expect(await probeSet(camera, proposal.slice(0, 20))).toBe('stall');
    const min = await probeIn(camera, UVC_REQ.GET_MIN, 26);
    const max = await probeIn(camera, UVC_REQ.GET_MAX, 26);
    expect(u32(min, 4)).toBe(333_333);
    expect(u32(max, 4)).toBe(2_000_000);
  });

  it('stallNext STALLs the next request of that kind only', async () => {
    const camera = await openC310();
    camera.stallNext(UVC_REQ.GET_DEF);
    const setup = vsSetup(UVC_REQ.GET_DEF, VS_CONTROL.PROBE_CONTROL, 1);
    const first = await camera.controlTransferIn(setup, 26);
    expect(first.status).toBe('stall');
    expect(await errorCode(camera)).toBe(UVC_REQUEST_ERROR.INVALID_REQUEST);
    const second = await camera.controlTransferIn(setup, 26);
    expect(second.status).toBe('ok');
  });

  it('answers every advertised control with a consistent range, STALLs beyond it', async () => {
    const camera = await openC310();
    const entities = camera.model.functions[0]!.videoControl.entities;
    let checked = 0;
    for (const entity of entities) {
      if (entity.type !== 'inputTerminal' && entity.type !== 'processingUnit') continue;
      const kind = entity.type === 'inputTerminal' ? 'camera' : 'processing';
      const id = entity.type === 'inputTerminal' ? entity.bTerminalID : entity.bUnitID;
      const bitmap =
        entity.type === 'inputTerminal' ? entity.camera?.bmControls : entity.bmControls;
      for (const control of CONTROLS.filter((c) => c.entity === kind)) {
        const advertised = ((bitmap?.[control.bit >> 3] ?? 0) >> (control.bit & 7)) & 1;
        const info = await controlIn(camera, UVC_REQ.GET_INFO, control.selector, id, 1);
        if (!advertised) {
          expect(info.status).toBe('stall');
          expect(await errorCode(camera)).toBe(UVC_REQUEST_ERROR.INVALID_CONTROL);
          continue;
        }
        expect(info.status).toBe('ok');
        const length = bytesOf(await controlIn(camera, UVC_REQ.GET_LEN, control.selector, id, 2));
        expect(length[0]! | (length[1]! << 8)).toBe(control.size);
        checked += 1;
        if (control.size > 4 || control.name === 'autoExposureMode') continue;

        const read = async (request: number): Promise<number> => {
          const answer = await controlIn(camera, request, control.selector, id, control.size);
          const bytes = bytesOf(answer);
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          if (control.size === 1) return control.signed ? view.getInt8(0) : view.getUint8(0);
          if (control.size === 2) {
            return control.signed ? view.getInt16(0, true) : view.getUint16(0, true);
          }
          return view.getUint32(0, true);
        };
        const min = await read(UVC_REQ.GET_MIN);
        const max = await read(UVC_REQ.GET_MAX);
        const def = await read(UVC_REQ.GET_DEF);
        expect(min).toBeLessThanOrEqual(def);
        expect(def).toBeLessThanOrEqual(max);
        const infoByte = bytesOf(info)[0]!;
        if ((infoByte & 0x02) === 0 || (infoByte & 0x04) !== 0 || control.size === 4) continue;
        const encode = (value: number): Uint8Array<ArrayBuffer> => {
          const bytes = new Uint8Array(control.size);
          const view = new DataView(bytes.buffer);
          if (control.size === 1) view.setUint8(0, value & 0xff);
          else view.setUint16(0, value & 0xffff, true);
          return bytes;
        };
        const tooBig = await controlSet(camera, control.selector, id, encode(max + 1));
        if (max + 1 < 2 ** (8 * control.size - (control.signed ? 1 : 0))) {
          expect(tooBig).toBe('stall');
          expect(await errorCode(camera)).toBe(UVC_REQUEST_ERROR.OUT_OF_RANGE);
        }
        expect(await controlSet(camera, control.selector, id, encode(max))).toBe('ok');
        expect(await read(UVC_REQ.GET_CUR)).toBe(max);
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('refuses manual exposure under auto exposure (wrong state), allows it in manual', async () => {
    const camera = await openC310();
    const ct = 1;
    const exposure = CONTROLS.find((c) => c.name === 'exposureTimeAbsolute')!;
    const aeMode = CONTROLS.find((c) => c.name === 'autoExposureMode')!;
    const value = Uint8Array.of(100, 0, 0, 0);
    expect(await controlSet(camera, exposure.selector, ct, value)).toBe('stall');
    expect(await errorCode(camera)).toBe(UVC_REQUEST_ERROR.WRONG_STATE);
    const info = bytesOf(await controlIn(camera, UVC_REQ.GET_INFO, exposure.selector, ct, 1));
    expect(info[0]! & 0x04).toBe(0x04);

    expect(await controlSet(camera, aeMode.selector, ct, Uint8Array.of(1))).toBe('ok');
    expect(await controlSet(camera, exposure.selector, ct, value)).toBe('ok');
  });

  it('answers extension-unit controls and STALLs unknown units', async () => {
    const camera = await openC310();
    const entities = camera.model.functions[0]!.videoControl.entities;
    const xu = entities.find((e) => e.type === 'extensionUnit');
    expect(xu?.type).toBe('extensionUnit');
    if (xu?.type !== 'extensionUnit') return;
    const bits = Array.from({ length: xu.bmControls.length * 8 }, (_, bit) => bit);
    const first = bits.find((bit) => ((xu.bmControls[bit >> 3]! >> (bit & 7)) & 1) === 1)!;
    const length = bytesOf(await controlIn(camera, UVC_REQ.GET_LEN, first + 1, xu.bUnitID, 2));
    const size = length[0]! | (length[1]! << 8);
    expect(size).toBeGreaterThan(0);
    const current = bytesOf(await controlIn(camera, UVC_REQ.GET_CUR, first + 1, xu.bUnitID, size));
    expect(current.length).toBe(size);

    const missing = await controlIn(camera, UVC_REQ.GET_CUR, 1, 0x7f, 1);
    expect(missing.status).toBe('stall');
    expect(await errorCode(camera)).toBe(UVC_REQUEST_ERROR.INVALID_UNIT);
  });

  it('lets a ControlHandler answer instead of the emulator', async () => {
    const brightness = CONTROLS.find((c) => c.name === 'brightness')!;
    const camera = await openC310({
      controls: (setup, direction) => {
        const isGetCur = direction === 'in' && setup.request === UVC_REQ.GET_CUR;
        const isBrightness = setup.value >> 8 === brightness.selector && setup.index >> 8 === 2;
        if (!isGetCur || !isBrightness) return undefined;
        return { status: 'ok', data: Uint8Array.of(0x2a, 0x00) };
      },
    });
    const answer = bytesOf(await controlIn(camera, UVC_REQ.GET_CUR, brightness.selector, 2, 2));
    expect(Array.from(answer)).toEqual([0x2a, 0x00]);
    const other = await controlIn(camera, UVC_REQ.GET_DEF, brightness.selector, 2, 2);
    expect(bytesOf(other)[0]).toBe(128);
  });

  it('throws the DOMExceptions a browser throws on bad state', async () => {
    const camera = await loadEmulatedCamera(c310, { pace: 'asap' });
    const setup = vsSetup(UVC_REQ.GET_CUR, VS_CONTROL.PROBE_CONTROL, 1);
    const fails = (call: Promise<unknown>, name: string): Promise<void> =>
      expect(call).rejects.toMatchObject({ name });

    await fails(camera.controlTransferIn(setup, 26), 'InvalidStateError');
    await camera.open();
    await fails(camera.claimInterface(9), 'NotFoundError');
    await fails(camera.controlTransferIn(setup, 26), 'InvalidStateError');
    await fails(camera.selectAlternateInterface(1, 1), 'InvalidStateError');
    await camera.claimInterface(1);
    await fails(camera.selectAlternateInterface(1, 42), 'NotFoundError');
    await fails(camera.isochronousTransferIn(1, [3060]), 'NotFoundError');
    await camera.selectAlternateInterface(1, 11);
    await fails(camera.transferIn(1, 3060), 'InvalidAccessError');
    const protectedCamera = await loadEmulatedCamera(c310, { protectVideoClass: true });
    await protectedCamera.open();
    await fails(protectedCamera.claimInterface(0), 'SecurityError');
  });

  it('disconnect rejects a pending transfer and every later call with NotFoundError', async () => {
    const camera = await loadEmulatedCamera(genericBulk, { pace: 'asap' });
    await camera.open();
    await camera.claimInterface(1);
    // Nothing is committed: the bulk endpoint NAKs and the transfer waits.
    const pending = camera.transferIn(1, 512);
    camera.disconnect();
    const error = await pending.catch((reason: unknown) => reason);
    expect(isDomException(error, 'NotFoundError')).toBe(true);
    await expect(camera.transferIn(1, 512)).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(camera.open()).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(camera.opened).toBe(false);
  });

  it('close ends pending transfers with AbortError', async () => {
    const camera = await loadEmulatedCamera(c310);
    await camera.open();
    await camera.claimInterface(0);
    await camera.claimInterface(1);
    await negotiateDefault(camera, 1, 26);
    await camera.selectAlternateInterface(1, 11);
    const pending = camera.isochronousTransferIn(1, new Array<number>(64).fill(3060));
    await camera.close();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('failNextPackets fails isochronous packets with the given status', async () => {
    const camera = await openC310();
    await negotiateDefault(camera, 1, 26);
    await camera.selectAlternateInterface(1, 11);
    camera.failNextPackets(3, 'babble');
    const result = await camera.isochronousTransferIn(1, new Array<number>(8).fill(3060));
    const statuses = result.packets.map((packet) => packet.status);
    expect(statuses).toEqual(['babble', 'babble', 'babble', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(result.packets[0]!.data?.byteLength).toBe(0);
  });

  it('ends bulk payloads that fill whole packets with a zero-length transfer', async () => {
    const camera = await loadEmulatedCamera(genericBulk, { pace: 'asap', bulkPayloadSize: 4096 });
    await camera.open();
    await camera.claimInterface(0);
    await camera.claimInterface(1);
    const committed = await negotiateDefault(camera, 1, 26);
    expect(u32(committed, 22)).toBe(4096);
    await camera.selectAlternateInterface(1, 0);
    const first = bytesOf(await camera.transferIn(1, 4096));
    expect(first.length).toBe(4096);
    expect(first[1]! & BFH.EOF).toBe(0);
    const zlp = bytesOf(await camera.transferIn(1, 4096));
    expect(zlp.length).toBe(0);
    const next = bytesOf(await camera.transferIn(1, 4096));
    expect(next[0]).toBe(12);
    // A clear-halt on the bulk endpoint stops the stream until the next commit.
    await camera.clearHalt('in', 1);
    expect(camera.isStreaming(1)).toBe(false);
  });

  it('completes transfers on one endpoint in the order they were submitted', async () => {
    const camera = await openC310();
    await negotiateDefault(camera, 1, 26);
    await camera.selectAlternateInterface(1, 11);
    const order: number[] = [];
    const transfers = Array.from({ length: 40 }, (_, index) =>
      camera.isochronousTransferIn(1, new Array<number>(8).fill(3060)).then(() => order.push(index)),
    );
    await Promise.all(transfers);
    expect(order).toEqual(Array.from({ length: 40 }, (_, index) => index));
  });

  it('marks payloads with the ERR bit on request', async () => {

    const camera = await openC310();
    await negotiateDefault(camera, 1, 26);
    await camera.selectAlternateInterface(1, 11);
    camera.markPayloadErrors(1);
    const result = await camera.isochronousTransferIn(1, [3060, 3060]);
    const headers = result.packets.map((packet) => {
      const data = packet.data!;
      return new Uint8Array(data.buffer, data.byteOffset, 2)[1]!;
    });
    expect(headers[0]! & BFH.ERR).toBe(BFH.ERR);
    expect(headers[1]! & BFH.ERR).toBe(0);
  });

  it('loads a UsbTreeView report with its strings', async () => {
    const report = join(fixturesDir, 'descriptors', 'trust_webcam_sonix_0c45-6340.usbtreeview.txt');
    const files = await loadDescriptorFile(report);
    const raw = readBytes(join(rawDescriptorsDir, 'trust_webcam_sonix_0c45-6340.config.bin'));
    expect(Array.from(files.configuration)).toEqual(Array.from(raw));
    const camera = await loadEmulatedCamera(report);
    expect(camera.productName).toBe('Trust Webcam');
    expect(camera.manufacturerName).toBe('Trust Webcam');
  });

  it('loads an lsusb -v dump with its strings and notes', async () => {
    const lsusb = join(fixturesDir, 'descriptors', 'logitech_c920_046d-082d.lsusb.txt');
    const files = await loadDescriptorFile(lsusb);
    expect(files.notes?.length).toBeGreaterThan(0);
    const camera = await loadEmulatedCamera(lsusb);
    expect([camera.vendorId, camera.productId]).toEqual([0x046d, 0x082d]);
  });

  it('rejects text that is no descriptor dump with a CameraError that says why', async () => {
    const readme = join(fixturesDir, 'README.md');
    const expected = { name: 'CameraError', code: 7400101 };
    await expect(loadEmulatedCamera(readme)).rejects.toMatchObject(expected);
  });

  it('the descriptor writer mirrors the parser on every real configuration', () => {
    const configurations = readdirSync(rawDescriptorsDir).filter(
      (name) => name.endsWith('.bin') && !name.endsWith('.device.bin'),
    );
    for (const file of configurations) {
      const model = parseConfiguration(readBytes(join(rawDescriptorsDir, file)));
      const again = parseConfiguration(writeConfiguration(model));
      expect(isDeepStrictEqual(again.functions, model.functions), file).toBe(true);
    }
  });
});
