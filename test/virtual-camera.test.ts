/**
 * webuvc's built-in virtual camera: its descriptors parse to what it promises, and its frames
 * decode to the colour bars (YUYV checked pixel by pixel, MJPEG decoded by sharp).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { UVC_REQ, VS_CONTROL } from '../src/uvc/constants.js';
import { advertisedControls } from '../src/uvc/controls.js';
import { parseConfiguration } from '../src/uvc/descriptors.js';
import type { EmulatedCamera } from '../src/usb/emulated.js';
import { readPatternIndex } from '../src/usb/pattern.js';
import { createVirtualCamera, VIRTUAL_CAMERA_ID } from '../src/usb/virtual-camera.js';

/** SMPTE 75% colour bars, left to right, as 8-bit R'G'B'. */
const BARS_75 = [
  [191, 191, 191],
  [191, 191, 0],
  [0, 191, 191],
  [0, 191, 0],
  [191, 0, 191],
  [191, 0, 0],
  [0, 0, 191],
  [0, 0, 0],
] as const;

/** BT.601 limited-range Y'CbCr of an R'G'B' colour (ITU-R BT.601, 8-bit quantisation). */
function bt601(r: number, g: number, b: number): [number, number, number] {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  const cb = (b - y) / 1.772;
  const cr = (r - y) / 1.402;
  return [16 + (219 * y) / 255, 128 + (224 * cb) / 255, 128 + (224 * cr) / 255];
}

function bytesOf(result: USBInTransferResult): Uint8Array<ArrayBuffer> {
  expect(result.status).toBe('ok');
  const data = result.data!;
  return new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
}

async function readDescriptor(
  camera: EmulatedCamera,
  type: number,
  index: number,
  length: number,
): Promise<Uint8Array> {
  const setup: USBControlTransferParameters = {
    requestType: 'standard',
    recipient: 'device',
    request: 0x06,
    value: (type << 8) | index,
    index: 0x0409,
  };
  return bytesOf(await camera.controlTransferIn(setup, length));
}

function decodeString(descriptor: Uint8Array): string {
  let text = '';
  for (let offset = 2; offset + 1 < descriptor.length; offset += 2) {
    text += String.fromCharCode(descriptor[offset]! | (descriptor[offset + 1]! << 8));
  }
  return text;
}

/** Commit format/frame on interface 1 of an open camera with both interfaces claimed. */
async function commit(
  camera: EmulatedCamera,
  formatIndex: number,
  frameIndex: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const setup = (request: number, selector: number): USBControlTransferParameters => ({
    requestType: 'class',
    recipient: 'interface',
    request,
    value: selector << 8,
    index: 1,
  });
  const { PROBE_CONTROL: PROBE, COMMIT_CONTROL: COMMIT } = VS_CONTROL;
  const read = async (request: number): Promise<Uint8Array<ArrayBuffer>> =>
    bytesOf(await camera.controlTransferIn(setup(request, PROBE), 34)).slice();
  const proposal = await read(UVC_REQ.GET_DEF);
  proposal[2] = formatIndex;
  proposal[3] = frameIndex;
  const probed = await camera.controlTransferOut(setup(UVC_REQ.SET_CUR, PROBE), proposal);
  expect(probed.status).toBe('ok');
  const current = await read(UVC_REQ.GET_CUR);
  const committed = await camera.controlTransferOut(setup(UVC_REQ.SET_CUR, COMMIT), current);
  expect(committed.status).toBe('ok');
  return current;
}

/** Collect whole frames from the isochronous endpoint (alternate setting 11). */
async function isochronousFrames(camera: EmulatedCamera, count: number): Promise<Uint8Array[]> {
  await camera.selectAlternateInterface(1, 11);
  const frames: Uint8Array[] = [];
  let parts: Uint8Array[] = [];
  for (let transfer = 0; frames.length < count && transfer < 5_000; transfer += 1) {
    const result = await camera.isochronousTransferIn(1, new Array<number>(32).fill(3060));
    for (const packet of result.packets) {
      const data = packet.data!;
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (bytes.length === 0) continue;
      parts.push(bytes.slice(bytes[0]));
      if ((bytes[1]! & 0x02) !== 0) {
        frames.push(Buffer.concat(parts));
        parts = [];
      }
    }
  }
  return frames;
}

async function openVirtual(
  transfer: 'isochronous' | 'bulk' = 'isochronous',
): Promise<EmulatedCamera> {
  const camera = await createVirtualCamera({ pace: 'asap', transfer });
  await camera.open();
  await camera.claimInterface(0);
  await camera.claimInterface(1);
  return camera;
}

describe('the virtual camera', () => {
  it('has descriptors that parse to YUYV and MJPEG at three sizes and two rates', async () => {
    const camera = await openVirtual();
    const device = await readDescriptor(camera, 0x01, 0, 18);
    const header = await readDescriptor(camera, 0x02, 0, 9);
    const config = await readDescriptor(camera, 0x02, 0, header[2]! | (header[3]! << 8));
    const model = parseConfiguration(config, device);

    expect(model.repairs).toEqual([]);
    expect(model.device?.idVendor).toBe(VIRTUAL_CAMERA_ID.idVendor);
    expect(model.device?.idProduct).toBe(VIRTUAL_CAMERA_ID.idProduct);
    const fn = model.functions[0]!;
    expect(fn.videoControl.bcdUVC).toBe(0x0110);
    const vs = fn.streaming[0]!;
    expect(vs.formats.map((format) => format.pixelFormat)).toEqual(['YUYV', 'MJPEG']);
    for (const format of vs.formats) {
      const sizes = format.frames.map((frame) => `${frame.wWidth}x${frame.wHeight}`);
      expect(sizes).toEqual(['640x480', '1280x720', '320x240']);
      for (const frame of format.frames) {
        expect(frame.intervals).toEqual({ kind: 'discrete', values: [333333, 666666] });
      }
    }
    const iso = vs.alternateSettings.filter((s) => s.endpoints[0]?.transferType === 'isochronous');
    expect(iso).toHaveLength(11);
    expect(Math.max(...iso.map((setting) => setting.endpoints[0]!.bytesPerInterval))).toBe(3060);

    const controls = fn.videoControl.entities.flatMap((entity) =>
      advertisedControls(entity).map((c) => c.definition.name),
    );
    const expected = ['exposureTimeAbsolute', 'focusAbsolute', 'brightness', 'gain'];
    expect(controls).toEqual(expect.arrayContaining(expected));

    const manufacturer = await readDescriptor(camera, 0x03, model.device!.iManufacturer, 255);
    expect(decodeString(manufacturer)).toBe('webuvc');
    const product = await readDescriptor(camera, 0x03, model.device!.iProduct, 255);
    expect(decodeString(product)).toBe('Virtual Camera');
    expect(camera.productName).toBe('Virtual Camera');
  });

  it('offers a bulk variant streaming on alternate setting 0', async () => {
    const camera = await openVirtual('bulk');
    const vs = camera.model.functions[0]!.streaming[0]!;
    expect(vs.alternateSettings).toHaveLength(1);
    expect(vs.alternateSettings[0]!.endpoints[0]!.transferType).toBe('bulk');
    const committed = await commit(camera, 1, 3);
    const payloadLimit = new DataView(committed.buffer).getUint32(22, true);
    await camera.selectAlternateInterface(1, 0);
    let bytes = 0;
    for (let transfer = 0; transfer < 100; transfer += 1) {
      const payload = bytesOf(await camera.transferIn(1, payloadLimit));
      if (payload.length === 0) continue;
      bytes += payload.length - payload[0]!;
      if ((payload[1]! & 0x02) !== 0) break;
    }
    expect(bytes).toBe(320 * 240 * 2);
  });

  it('streams YUYV colour bars and a frame counter', async () => {
    const camera = await openVirtual();
    await commit(camera, 1, 1);
    const frames = await isochronousFrames(camera, 2);
    expect(frames.map((frame) => frame.length)).toEqual([640 * 480 * 2, 640 * 480 * 2]);

    const frame = frames[0]!;
    BARS_75.forEach(([r, g, b], bar) => {
      const [y, cb, cr] = bt601(r, g, b);
      // The centre column of each bar over the top third shows the bar (the box may cover some).
      const x = Math.floor(((bar + 0.5) * 640) / 8) & ~1;
      let matching = 0;
      for (let row = 0; row < 160; row += 1) {
        const offset = (row * 640 + x) * 2;
        const near = (index: number, value: number): boolean =>
          Math.abs(frame[index]! - value) <= 1;
        const close = near(offset, y) && near(offset + 1, cb) && near(offset + 3, cr);
        if (close) matching += 1;
      }
      expect(matching, `bar ${bar}`).toBeGreaterThan(80);
    });

    const first = readPatternIndex(frames[0]!, 'YUYV', 640, 480)!;
    expect(readPatternIndex(frames[1]!, 'YUYV', 640, 480)).toBe(first + 1);
  });

  it('streams MJPEG frames that sharp decodes to the colour bars', async () => {
    const camera = await openVirtual();
    await commit(camera, 2, 1);
    const [jpeg] = await isochronousFrames(camera, 1);
    expect(jpeg).toBeDefined();
    const { data, info } = await sharp(jpeg!).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([640, 480, 3]);

    BARS_75.forEach((colour, bar) => {
      const x = Math.floor(((bar + 0.5) * 640) / 8);
      let matching = 0;
      for (let row = 0; row < 160; row += 1) {
        const offset = (row * 640 + x) * 3;
        const near = (value: number, channel: number): boolean =>
          Math.abs(data[offset + channel]! - value) <= 12;
        if (colour.every(near)) matching += 1;

      }
      expect(matching, `bar ${bar}`).toBeGreaterThan(80);
    });
  });
});
