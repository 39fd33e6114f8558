/**
 * src/usb/native.ts without a device: the TypeScript face of the addon, driven through a fake
 * binding (the `binding` option). Checks argument validation, the mapping of libusb errors to
 * CameraError, delivery of completed transfers (callback and iteration), release and early
 * release, and how a lost device ends a stream. No umockdev needed.
 */
import { describe, expect, it, vi } from 'vitest';

import { CameraError, CameraErrorCode } from '../../src/errors.js';
import {
  NativeStreamingInterface,
  isochronousPacketSize,
  loadNativeBinding,
  type NativeBinding,
  type RawNativeDevice,
  type RawNativeStream,
  type RawTransferCallback,
} from '../../src/usb/native.js';

/** libusb_transfer_status numbers and error numbers (libusb.h). */
const STATUS = { COMPLETED: 0, ERROR: 1, NO_DEVICE: 5 } as const;
const LIBUSB_ERROR = { NO_DEVICE: -4, BUSY: -6, PIPE: -9 } as const;

function usbError(errno: number, code: string): Error & { errno: number } {
  return Object.assign(new Error(`${code}: failed`), { errno, code });
}

interface Fake {
  binding: NativeBinding;
  device: RawNativeDevice;
  released: number[];
  onTransfer(): RawTransferCallback;
  stopCalls: number;
}

function fakeBinding(
  options: { openError?: Error; controlError?: Error; deliverEarly?: boolean } = {},
): Fake {
  let callback: RawTransferCallback | undefined;
  const fake: Fake = {
    released: [],
    stopCalls: 0,
    onTransfer: () => callback!,
    binding: undefined as unknown as NativeBinding,
    device: undefined as unknown as RawNativeDevice,
  };
  const stream: RawNativeStream = {
    release: (index) => {
      fake.released.push(index);
      return true;
    },
    stop: async () => {
      fake.stopCalls++;
      return 0;
    },
    stats: () => ({
      submitted: 1,
      completed: 1,
      delivered: 1,
      released: 0,
      submitErrors: 0,
      packetErrors: 0,
      inFlight: 0,
    }),
  };
  fake.device = {
    busNumber: 1,
    deviceAddress: 2,
    speed: 3,
    interfaceNumber: 1,
    kernelDriverDetached: false,
    controlTransfer: vi.fn(async (_t, _r, _v, _i, dataOrLength) => {
      if (options.controlError) throw options.controlError;
      return typeof dataOrLength === 'number'
        ? new Uint8Array([1, 2, 3]).buffer
        : dataOrLength.length;
    }),
    setAltSetting: vi.fn(async () => undefined),
    claimInterface: vi.fn(async () => undefined),
    endStreaming: vi.fn(async () => undefined),
    startStream: vi.fn(async (_options, onTransfer: RawTransferCallback) => {
      callback = onTransfer;
      // The addon may deliver (and JavaScript release) a transfer before its promise settles.
      if (options.deliverEarly) {
        onTransfer(0, new ArrayBuffer(8), STATUS.COMPLETED, 8, null, 0);
      }
      return stream;
    }),
    close: vi.fn(async () => undefined),
  };
  fake.binding = {
    libusbVersion: '1.0.30',
    open: vi.fn(async () => {
      if (options.openError) throw options.openError;
      return fake.device;
    }),
  };
  return fake;
}

async function openWith(fake: Fake): Promise<NativeStreamingInterface> {
  return NativeStreamingInterface.open({
    binding: fake.binding,
    target: { busNumber: 1, deviceAddress: 2 },
    interfaceNumber: 1,
  });
}

describe('native binding wrapper', () => {
  it('says why the addon is unavailable instead of throwing', async () => {
    vi.resetModules();
    process.env.WEBUVC_NATIVE_BINDING = '/nonexistent/webuvc_native.node';
    try {
      const fresh = (await import('../../src/usb/native.js')) as {
        loadNativeBinding: typeof loadNativeBinding;
      };
      const result = fresh.loadNativeBinding();
      expect('unavailable' in result && result.unavailable).toMatch(/not built.*nonexistent/);
    } finally {
      delete process.env.WEBUVC_NATIVE_BINDING;
      vi.resetModules();
    }
  });

  it('computes the packet size from wMaxPacketSize or the SuperSpeed companion', () => {
    // Logitech C270 alternate 11: 0x13fc = 3 transactions of 1020 bytes.
    expect(isochronousPacketSize({ wMaxPacketSize: 0x13fc })).toBe(3060);
    expect(isochronousPacketSize({ wMaxPacketSize: 0x00c0 })).toBe(192);
    expect(
      isochronousPacketSize({ wMaxPacketSize: 1024, superSpeed: { wBytesPerInterval: 49152 } }),
    ).toBe(49152);
  });

  it('maps libusb errors to CameraError with the libusb error as cause', async () => {
    const busy = fakeBinding({ openError: usbError(LIBUSB_ERROR.BUSY, 'LIBUSB_ERROR_BUSY') });
    const openFailure = await openWith(busy).catch((error: unknown) => error);
    expect(openFailure).toBeInstanceOf(CameraError);
    expect((openFailure as CameraError).code).toBe(CameraErrorCode.CONFLICT_CAMERA);

    const stall = fakeBinding({ controlError: usbError(LIBUSB_ERROR.PIPE, 'LIBUSB_ERROR_PIPE') });
    const iface = await openWith(stall);
    const failure = await iface
      .controlTransferOut(
        { bmRequestType: 0x21, bRequest: 0x01, wValue: 0x0100, wIndex: 1 },
        new Uint8Array(26),
      )
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CameraError);
    expect((failure as CameraError).code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
    expect(((failure as CameraError).cause as { errno: number }).errno).toBe(LIBUSB_ERROR.PIPE);
    expect((failure as CameraError).message).toMatch(/21 01 0100 0001/);
  });

  it('rejects bad arguments before they reach the addon', async () => {
    const fake = fakeBinding();
    const iface = await openWith(fake);
    const cases: Array<() => Promise<unknown>> = [
      () =>
        iface.startIsochronous({
          endpoint: 0x01,
          packetSize: 3060,
          packetsPerTransfer: 32,
          transfers: 4,
        }),
      () =>
        iface.startIsochronous({
          endpoint: 0x81,
          packetSize: 0,
          packetsPerTransfer: 32,
          transfers: 4,
        }),
      () =>
        iface.startIsochronous({
          endpoint: 0x81,
          packetSize: 3060,
          packetsPerTransfer: 32,
          transfers: 1_000_000,
        }),
      () => iface.startBulk({ endpoint: 0x81, transferSize: 2 ** 31, transfers: 4 }),
      () =>
        iface.controlTransferIn({ bmRequestType: 0x21, bRequest: 0x81, wValue: 0, wIndex: 1 }, 26),
      () => iface.setAltSetting(-1),
    ];
    for (const attempt of cases) {
      const error = await attempt().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CameraError);
      expect((error as CameraError).code).toBe(CameraErrorCode.INVALID_ARGUMENT);
    }
    expect(fake.device.startStream).not.toHaveBeenCalled();
    expect(fake.device.controlTransfer).not.toHaveBeenCalled();
  });

  it('delivers isochronous transfers with their packets, and releases each once', async () => {
    const fake = fakeBinding();
    const iface = await openWith(fake);
    const stream = await iface.startIsochronous({
      endpoint: 0x81,
      packetSize: 16,
      packetsPerTransfer: 2,
      transfers: 2,
    });
    const buffer = new ArrayBuffer(32);
    new Uint8Array(buffer).set([12, 0x8c], 16);

    fake.onTransfer()(
      1,
      buffer,
      STATUS.COMPLETED,
      12,
      new Int32Array([0, STATUS.ERROR, 12, STATUS.COMPLETED]),
      0,
    );
    const iterator = stream[Symbol.asyncIterator]();
    const { value } = await iterator.next();

    expect(value?.index).toBe(1);
    expect(value?.packets).toEqual([
      { offset: 0, length: 0, status: 'error' },
      { offset: 16, length: 12, status: 'completed' },
    ]);
    expect(value?.data.subarray(16, 18)).toEqual(new Uint8Array([12, 0x8c]));
    value?.release();
    value?.release();
    expect(fake.released).toEqual([1]);
  });

  it('keeps a release that happens before the stream is attached', async () => {
    const fake = fakeBinding({ deliverEarly: true });
    const iface = await openWith(fake);
    const stream = await iface.startBulk({ endpoint: 0x81, transferSize: 8, transfers: 1 });
    const { value } = await stream[Symbol.asyncIterator]().next();
    expect(value?.actualLength).toBe(8);
    value?.release();
    expect(fake.released).toEqual([0]);
  });

  it('ends the stream with SERVICE_FATAL_ERROR when the device is gone', async () => {
    const fake = fakeBinding();
    const iface = await openWith(fake);
    const stream = await iface.startBulk({ endpoint: 0x81, transferSize: 8, transfers: 1 });
    const errors: CameraError[] = [];
    stream.onTransfer(
      () => undefined,
      (error) => errors.push(error),
    );

    fake.onTransfer()(0, new ArrayBuffer(0), STATUS.NO_DEVICE, 0, null, 0);

    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe(CameraErrorCode.SERVICE_FATAL_ERROR);
    expect((errors[0]?.cause as { errno: number }).errno).toBe(LIBUSB_ERROR.NO_DEVICE);
    expect(stream.error).toBe(errors[0]);
    await expect(iface.stop()).resolves.toEqual({ stuckTransfers: 0 });
    expect(fake.stopCalls).toBe(1);
    await iface.close();
    await iface.close();
    expect(fake.device.close).toHaveBeenCalledTimes(1);
    await expect(iface.setAltSetting(0)).rejects.toBeInstanceOf(CameraError);
  });

  it('refuses a second stream while one runs', async () => {
    const fake = fakeBinding();
    const iface = await openWith(fake);
    await iface.startBulk({ endpoint: 0x81, transferSize: 8, transfers: 1 });
    const error = await iface
      .startBulk({ endpoint: 0x81, transferSize: 8, transfers: 1 })
      .catch((caught: unknown) => caught);
    expect((error as CameraError).code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
    await iface.stop();
    await expect(
      iface.startBulk({ endpoint: 0x81, transferSize: 8, transfers: 1 }),
    ).resolves.toBeDefined();
  });
});
