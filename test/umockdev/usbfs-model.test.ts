/**
 * The device model's usbfs semantics, spoken to directly over its socket by a fake client that
 * plays umockdev's preload (its memory is a local byte array). No umockdev or libusb needed:
 * this pins down what the kernel would answer — claims per descriptor, EBUSY, ENODATA,
 * URB write-back, EAGAIN, DISCARDURB, device loss — independently of the programs that use it.
 */
import { createConnection, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import { camera, CAMERAS, emulated } from './setup.js';
import { ModelServer } from './model-server.js';
import type { UsbfsDevice } from './usbfs-device.js';
import {
  ERRNO,
  ISO_PACKET_DESC,
  UMOCKDEV_CMD,
  UMOCKDEV_MESSAGE_SIZE,
  URB,
  URB_TYPE,
  USBDEVFS,
  USBDEVFS_CAP,
} from './usbfs.js';
import { encodeProbe, decodeProbe } from '../../src/uvc/probe.js';

const HEAP_BASE = 0x7f00_0000_0000;
const HEAP_SIZE = 1 << 20;

/** A client of the model's socket, holding its own "process memory". */
class FakePreload {
  readonly memory = new Uint8Array(HEAP_SIZE);
  #top = 0;
  #buffered = Buffer.alloc(0);
  #wake: (() => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, chunk]);
      this.#wake?.();
    });
  }

  static async connect(path: string): Promise<FakePreload> {
    const socket = createConnection(path);
    await new Promise<void>((resolve, reject) =>
      socket.once('connect', resolve).once('error', reject),
    );
    return new FakePreload(socket);
  }

  alloc(bytes: Uint8Array | number): number {
    const length = typeof bytes === 'number' ? bytes : bytes.length;
    const offset = this.#top;
    this.#top += (length + 15) & ~15;
    if (typeof bytes !== 'number') this.memory.set(bytes, offset);
    return HEAP_BASE + offset;
  }

  view(address: number, length: number): Uint8Array {
    return this.memory.subarray(address - HEAP_BASE, address - HEAP_BASE + length);
  }

  /** One ioctl: answer the model's memory requests until it says DONE. */
  async ioctl(request: number, arg: number): Promise<{ result: number; errno: number }> {
    this.#send(UMOCKDEV_CMD.IOCTL, request, arg);
    for (;;) {
      const message = await this.#read(UMOCKDEV_MESSAGE_SIZE);
      const cmd = Number(message.readBigUInt64LE(0));
      const a = Number(message.readBigUInt64LE(8));
      const b = Number(message.readBigUInt64LE(16));
      if (cmd === UMOCKDEV_CMD.READ_MEM) this.socket.write(this.view(a, b));
      else if (cmd === UMOCKDEV_CMD.WRITE_MEM) this.view(a, b).set(await this.#read(b));
      else if (cmd === UMOCKDEV_CMD.DONE) {
        return { result: Number(BigInt.asIntN(64, message.readBigUInt64LE(8))), errno: b };
      } else throw new Error(`unexpected command ${cmd}`);
    }
  }

  close(): void {
    this.socket.destroy();
  }

  #send(cmd: number, a: number, b: number): void {
    const message = Buffer.alloc(UMOCKDEV_MESSAGE_SIZE);
    message.writeBigUInt64LE(BigInt(cmd), 0);
    message.writeBigUInt64LE(BigInt(a), 8);
    message.writeBigUInt64LE(BigInt(b), 16);
    this.socket.write(message);
  }

  async #read(length: number): Promise<Buffer> {
    while (this.#buffered.length < length) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const bytes = this.#buffered.subarray(0, length);
    this.#buffered = this.#buffered.subarray(length);
    return Buffer.from(bytes);
  }
}

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

function readI32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(offset, true);
}

/** A usbdevfs_urb in the fake client's memory. */
function urb(
  client: FakePreload,
  type: number,
  endpoint: number,
  buffer: number,
  length: number,
  packets: number[] = [],
): number {
  const bytes = new Uint8Array(URB.SIZE + packets.length * ISO_PACKET_DESC.SIZE);
  const view = new DataView(bytes.buffer);
  bytes[URB.type] = type;
  bytes[URB.endpoint] = endpoint;
  view.setBigUint64(URB.buffer, BigInt(buffer), true);
  view.setInt32(URB.buffer_length, length, true);
  view.setInt32(URB.number_of_packets, packets.length, true);
  packets.forEach((packetLength, i) =>
    view.setUint32(URB.iso_frame_desc + i * ISO_PACKET_DESC.SIZE, packetLength, true),
  );
  return client.alloc(bytes);
}

function controlBuffer(
  client: FakePreload,
  setup: number[],
  data: Uint8Array = new Uint8Array(0),
  inLength = 0,
): number {
  const bytes = new Uint8Array(8 + Math.max(data.length, inLength));
  bytes.set(setup, 0);
  bytes.set(data, 8);
  return client.alloc(bytes);
}

async function reap(client: FakePreload): Promise<{ result: number; errno: number; urb: number }> {
  const pointer = client.alloc(8);
  const answer = await client.ioctl(USBDEVFS.REAPURBNDELAY, pointer);
  const urbAddress = Number(
    new DataView(client.view(pointer, 8).slice().buffer).getBigUint64(0, true),
  );
  return { ...answer, urb: urbAddress };
}

async function commitYuyv(client: FakePreload): Promise<void> {
  const probe = decodeProbe(new Uint8Array(26));
  probe.bmHint = 1;
  probe.bFormatIndex = 1;
  probe.bFrameIndex = 1;
  probe.dwFrameInterval = 333_333;
  for (const selector of [1, 2]) {
    const buffer = controlBuffer(
      client,
      [0x21, 0x01, 0x00, selector, 0x01, 0x00, 26, 0x00],
      encodeProbe(probe, 26),
    );
    expect(
      (await client.ioctl(USBDEVFS.SUBMITURB, urb(client, URB_TYPE.CONTROL, 0, buffer, 8 + 26)))
        .result,
    ).toBe(0);
    expect((await reap(client)).result).toBe(0);
  }
}

describe('usbfs device model over its socket', () => {
  let server: ModelServer | undefined;
  const clients: FakePreload[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.close();
    server = undefined;
  });

  async function connect(device: UsbfsDevice): Promise<FakePreload> {
    server ??= await ModelServer.start([device]);
    const path = server.socketsEnv.split('=')[1]!;
    const client = await FakePreload.connect(path);
    clients.push(client);
    return client;
  }

  it('reports capabilities, and ENODATA for an interface without a driver', async () => {
    const device = emulated({ camera: camera(CAMERAS.c270) });
    const client = await connect(device);

    const caps = client.alloc(4);
    expect(await client.ioctl(USBDEVFS.GET_CAPABILITIES, caps)).toEqual({ result: 0, errno: 0 });
    expect(readI32(client.view(caps, 4), 0) & USBDEVFS_CAP.NO_PACKET_SIZE_LIM).not.toBe(0);

    const getdriver = client.alloc(260);
    client.view(getdriver, 4).set(u32(1));
    expect(await client.ioctl(USBDEVFS.GETDRIVER, getdriver)).toEqual({
      result: -1,
      errno: ERRNO.ENODATA,
    });
  });

  it('gives an interface to one descriptor at a time (EBUSY for the other)', async () => {
    const device = emulated({ camera: camera(CAMERAS.c270) });
    const first = await connect(device);
    const second = await connect(device);

    expect(await first.ioctl(USBDEVFS.CLAIMINTERFACE, first.alloc(u32(1)))).toEqual({
      result: 0,
      errno: 0,
    });
    expect(await second.ioctl(USBDEVFS.CLAIMINTERFACE, second.alloc(u32(1)))).toEqual({
      result: -1,
      errno: ERRNO.EBUSY,
    });
    // A class request to the interface claims it implicitly, so it is refused too.
    const probe = controlBuffer(
      second,
      [0xa1, 0x81, 0x00, 0x01, 0x01, 0x00, 26, 0x00],
      new Uint8Array(0),
      26,
    );
    expect(
      await second.ioctl(USBDEVFS.SUBMITURB, urb(second, URB_TYPE.CONTROL, 0, probe, 8 + 26)),
    ).toEqual({
      result: -1,
      errno: ERRNO.EBUSY,
    });

    first.close();
    while (device.openConnections > 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(device.claimedInterfaces).toEqual([]);
    expect(await second.ioctl(USBDEVFS.CLAIMINTERFACE, second.alloc(u32(1)))).toEqual({
      result: 0,
      errno: 0,
    });
  });

  it('writes an isochronous URB back with per-packet lengths and UVC payloads, then EAGAIN', async () => {
    const device = emulated({ camera: camera(CAMERAS.c270) });
    const client = await connect(device);
    await commitYuyv(client);
    expect(
      (
        await client.ioctl(
          USBDEVFS.SETINTERFACE,
          client.alloc(new Uint8Array([1, 0, 0, 0, 11, 0, 0, 0])),
        )
      ).result,
    ).toBe(0);

    const buffer = client.alloc(4 * 3060);
    const address = urb(client, URB_TYPE.ISO, 0x81, buffer, 4 * 3060, [3060, 3060, 3060, 3060]);
    expect(await client.ioctl(USBDEVFS.SUBMITURB, address)).toEqual({ result: 0, errno: 0 });
    const reaped = await reap(client);

    expect(reaped).toEqual({ result: 0, errno: 0, urb: address });
    const written = client.view(address, URB.SIZE + 4 * ISO_PACKET_DESC.SIZE);
    expect(readI32(written, URB.status)).toBe(0);
    expect(readI32(written, URB.actual_length)).toBe(4 * 3060);
    for (let i = 0; i < 4; i++) {
      expect(
        readI32(
          written,
          URB.iso_frame_desc + i * ISO_PACKET_DESC.SIZE + ISO_PACKET_DESC.actual_length,
        ),
      ).toBe(3060);
      const payload = client.view(buffer + i * 3060, 2);
      expect(payload[0]).toBe(12);
      expect(payload[1]! & 0x80).toBe(0x80);
    }
    expect((await reap(client)).errno).toBe(ERRNO.EAGAIN);
  });

  it('completes a discarded URB with -ECONNRESET and refuses an unknown one', async () => {
    const device = emulated({ camera: camera(CAMERAS.bulk) });
    const client = await connect(device);
    const address = urb(client, URB_TYPE.BULK, 0x81, client.alloc(512), 512);
    expect((await client.ioctl(USBDEVFS.SUBMITURB, address)).result).toBe(0);

    expect(await client.ioctl(USBDEVFS.DISCARDURB, address)).toEqual({ result: 0, errno: 0 });
    expect(await client.ioctl(USBDEVFS.DISCARDURB, address)).toEqual({
      result: -1,
      errno: ERRNO.EINVAL,
    });
    expect((await reap(client)).urb).toBe(address);
    expect(readI32(client.view(address, URB.SIZE), URB.status)).toBe(-ERRNO.ECONNRESET);
  });

  it('fails URBs in flight with -ESHUTDOWN and later calls with ENODEV when unplugged', async () => {
    const device = emulated({ camera: camera(CAMERAS.bulk) });
    const client = await connect(device);
    const address = urb(client, URB_TYPE.BULK, 0x81, client.alloc(512), 512);
    expect((await client.ioctl(USBDEVFS.SUBMITURB, address)).result).toBe(0);

    device.unplug();

    expect((await reap(client)).urb).toBe(address);
    expect(readI32(client.view(address, URB.SIZE), URB.status)).toBe(-ERRNO.ESHUTDOWN);
    expect(await client.ioctl(USBDEVFS.SUBMITURB, address)).toEqual({
      result: -1,
      errno: ERRNO.ENODEV,
    });
    expect((await reap(client)).errno).toBe(ERRNO.ENODEV);
    const replugged = await connect(device);
    expect(await replugged.ioctl(USBDEVFS.CLAIMINTERFACE, replugged.alloc(u32(1)))).toEqual({
      result: 0,
      errno: 0,
    });
  });

  it('refuses an alternate setting the interface does not have', async () => {
    const device = emulated({ camera: camera(CAMERAS.c270) });
    const client = await connect(device);
    const answer = await client.ioctl(
      USBDEVFS.SETINTERFACE,
      client.alloc(new Uint8Array([1, 0, 0, 0, 12, 0, 0, 0])),
    );
    expect(answer).toEqual({ result: -1, errno: ERRNO.EINVAL });
  });
});
