import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameAssembler, type AssemblerOptions } from '../src/stream/assembler.js';
import { BulkPayloadDriver } from '../src/stream/bulk.js';
import { cleanFrameFlags, type Frame, type FrameFlags } from '../src/stream/frame.js';
import { IsochronousPayloadDriver, type IsoPacket } from '../src/stream/isochronous.js';
import { FramePool, frameBufferSize, uncompressedFrameSize } from '../src/stream/pool.js';
import { isCameraError } from '../src/errors.js';
import { extractIsochronousInCompletions, parseUsbPcap } from '../src/usb/usbmon.js';
import { capturesDir } from './fixtures.js';

/** Bytes from the hex notation bugs.md uses. */
function hex(text: string): Uint8Array {
  return Uint8Array.from(text.trim().split(/\s+/), (pair) => Number.parseInt(pair, 16));
}

/** `prefix` followed by deterministic filler up to `length` bytes; the filler never holds 0xff. */
function filled(prefix: Uint8Array, length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = prefix.length; index < length; index += 1) {
    bytes[index] = (index * 31 + seed * 17) % 0xfe;
  }
  bytes.set(prefix.subarray(0, length));
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

interface Seen {
  data: Uint8Array;
  sequence: number;
  pts?: number;
  flags: FrameFlags;
  firstPayloadTime: number;
  lastPayloadTime: number;
}

interface Harness {
  assembler: FrameAssembler;
  pool: FramePool;
  frames: Seen[];
  held: Frame[];
  bulk: BulkPayloadDriver;
  iso: IsochronousPayloadDriver;
}

interface HarnessOptions extends Partial<Omit<AssemblerOptions, 'pool' | 'onFrame'>> {
  poolCount?: number;
  bufferSize?: number;
  /** Keep frames on loan instead of releasing them at once. */
  hold?: boolean;
  maxPayloadTransferSize?: number;
}

function harness(options: HarnessOptions = {}): Harness {
  const pool = new FramePool({
    count: options.poolCount ?? 4,
    bufferSize: options.bufferSize ?? 64 * 1024,
  });
  const frames: Seen[] = [];
  const held: Frame[] = [];
  let time = 1000;
  const assembler = new FrameAssembler({
    pool,
    compressed: options.compressed ?? true,
    mjpeg: options.mjpeg ?? false,
    expectedFrameSize: options.expectedFrameSize,
    deliverBad: options.deliverBad ?? false,
    clock: options.clock ?? (() => (time += 125)),
    onFrame(frame) {
      frames.push({
        data: frame.data.slice(),
        sequence: frame.sequence,
        ...(frame.pts === undefined ? {} : { pts: frame.pts }),
        flags: { ...frame.flags },
        firstPayloadTime: frame.firstPayloadTime,
        lastPayloadTime: frame.lastPayloadTime,
      });
      if (options.hold) held.push(frame);
      else frame.release();
    },
  });
  const { maxPayloadTransferSize } = options;
  const bulk = new BulkPayloadDriver(assembler, { maxPayloadTransferSize });
  const iso = new IsochronousPayloadDriver(assembler);
  return { assembler, pool, frames, held, bulk, iso };
}

/** One isochronous transfer whose packets are the given payloads, packed back to back. */
function isoTransfer(...payloads: Uint8Array[]): { data: Uint8Array; packets: IsoPacket[] } {
  const packets = payloads.map((payload) => ({ length: payload.length, status: 0 }));
  return { data: concat(...payloads), packets };
}

const REQUEST = 16384;

describe('bugs.md §2 Realtek bulk: stale start, payloads delimited by short transfers', () => {
  const stale = filled(hex('58 59 5a 63 64 65 66 67'), 12858, 1);
  const first = filled(hex('0c 8c b2 10 18 14 79 94 1f 14 62 03 ff d8 ff db'), 13334, 2);
  const firstEnd = hex('0c 8e b2 10 18 14 72 aa 1f 14 62 03 ff d9');
  const second = filled(hex('0c 8d 11 22 33 44 55 66 77 88 99 01 ff d8 ff db'), 13388, 3);
  const secondEnd = hex('0c 8f 11 22 33 44 66 66 77 88 99 01 ff d9');

  it('drops the stale transfer and assembles two frames from header + EOF transfers', () => {
    const { bulk, assembler, frames } = harness({ mjpeg: true });
    for (const transfer of [stale, first, firstEnd, second, secondEnd]) {
      bulk.pushTransfer(transfer, REQUEST);
    }

    expect(assembler.counters.staleBytes).toBe(12858);
    expect(assembler.counters.invalidHeaders).toBe(0);
    expect(frames).toHaveLength(2);
    expect(frames[0]!.data).toEqual(concat(first.subarray(12), firstEnd.subarray(12)));
    expect(frames[1]!.data).toEqual(concat(second.subarray(12), secondEnd.subarray(12)));
    expect(frames[0]!.pts).toBe(0x141810b2);
    expect(frames[1]!.pts).toBe(0x44332211);
    expect(frames[0]!.flags.droppedBefore).toBe(true);
    expect(frames[1]!.flags.droppedBefore).toBe(false);
    expect(frames.map((frame) => frame.sequence)).toEqual([0, 1]);
    expect(assembler.counters.framesDelivered).toBe(2);
    expect(assembler.counters.headerOnlyPayloads).toBe(0);
  });

  it('keeps a payload larger than dwMaxPayloadTransferSize whole and counts it', () => {
    const { bulk, assembler, frames } = harness({
      maxPayloadTransferSize: 20000,
      bufferSize: 128 * 1024,
    });
    const head = filled(hex('0c 8c 01 00 00 00 02 00 00 00 03 00 ff d8'), REQUEST, 4);
    // A continuation transfer that happens to look like a header is still image data.
    const middle = filled(hex('0c 8d 00 00 00 00 00 00 00 00 00 00'), REQUEST, 5);
    const tail = filled(new Uint8Array(0), 5000, 6);
    for (const transfer of [head, middle, tail, firstEnd]) bulk.pushTransfer(transfer, REQUEST);

    expect(frames).toHaveLength(1);
    expect(frames[0]!.data).toEqual(concat(head.subarray(12), middle, tail, firstEnd.subarray(12)));
    expect(bulk.counters.payloads).toBe(2);
    expect(bulk.counters.payloadsOverNegotiated).toBe(1);
    expect(assembler.counters.invalidHeaders).toBe(0);
  });

  it('ends a payload of exactly the request size on a zero-length transfer', () => {
    const { bulk, frames, assembler } = harness();
    const exact = filled(hex('02 02'), REQUEST, 7);
    bulk.pushTransfer(exact, REQUEST);
    expect(frames).toHaveLength(0);
    bulk.pushTransfer(new Uint8Array(0), REQUEST);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.data).toEqual(exact.subarray(2));
    expect(bulk.counters.zeroLengthTransfers).toBe(1);
    expect(assembler.counters.bytesCopied).toBe(REQUEST - 2);
  });

  it('marks the frame incomplete when a transfer fails, then reads the next header', () => {
    const { bulk, frames, assembler } = harness({ deliverBad: true });
    bulk.pushTransfer(filled(hex('02 00'), REQUEST, 8), REQUEST);
    bulk.transferFailed();
    bulk.pushTransfer(hex('02 02 aa'), REQUEST);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.flags.incomplete).toBe(true);
    expect(assembler.counters.framesIncomplete).toBe(1);
    expect(assembler.counters.lostPayloads).toBe(1);
    expect(bulk.counters.failedTransfers).toBe(1);
  });
});

describe('bugs.md §3 and §13: header-only packets', () => {
  it('§3 completes the frame on a 12-byte header-only EOF packet', () => {
    const { iso, frames, assembler } = harness();
    const data1 = filled(hex('0c 8c 00 00 00 00 00 00 00 00 00 00'), 1024, 1);
    const data2 = filled(hex('0c 8c 00 00 00 00 00 00 00 00 00 00'), 800, 2);
    const eof = hex('0c 8e 00 00 00 00 00 00 00 00 00 00');
    const transfer = isoTransfer(data1, data2);
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(frames).toHaveLength(0);

    const end = isoTransfer(eof);
    iso.pushTransfer(end.data, end.packets);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.data).toEqual(concat(data1.subarray(12), data2.subarray(12)));
    expect(assembler.counters.headerOnlyPayloads).toBe(1);
  });

  it('a bulk header-only EOF transfer (length == HLE) ends the frame', () => {
    const { bulk, frames } = harness();
    const data = filled(hex('0c 8d 00 00 00 00 00 00 00 00 00 00'), 900, 3);
    bulk.pushTransfer(data, REQUEST);
    expect(frames).toHaveLength(0);
    bulk.pushTransfer(hex('0c 8f 00 00 00 00 00 00 00 00 00 00'), REQUEST);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.data).toEqual(data.subarray(12));
  });

  it('idle header-only packets make no frames, before or after the EOF', () => {
    const { iso, frames, assembler } = harness();
    const idle0 = hex('0c 8c 00 00 00 00 00 00 00 00 00 00');
    const idle1 = hex('0c 8d 00 00 00 00 00 00 00 00 00 00');
    const eof1 = hex('0c 8f 00 00 00 00 00 00 00 00 00 00');
    const transfer = isoTransfer(idle0, idle0, idle1, eof1, eof1, idle0, idle1, idle0);
    iso.pushTransfer(transfer.data, transfer.packets);
    assembler.flush();
    expect(frames).toHaveLength(0);
    expect(assembler.counters.framesIncomplete).toBe(0);
    expect(assembler.counters.headerOnlyPayloads).toBe(8);
  });

  it('§13 Vaultmicro iso URB: the frame completes on header-only EOF packet 28 (0x1e)', () => {
    const file = join(capturesDir, 'vaultmicro_uvc_frame_detector_tph_iso_0.derived.pcap');
    const events = parseUsbPcap(new Uint8Array(readFileSync(file)));
    const urb = extractIsochronousInCompletions(events)[0]!;
    expect(urb.packets).toHaveLength(32);
    const packets: IsoPacket[] = urb.packets.map(({ offset, length, status }) => ({
      offset,
      length,
      status,
    }));
    const eofIndex = urb.packets.findIndex((packet) => urb.data[packet.offset + 1] === 0x1e);
    expect(eofIndex).toBe(28);

    // Up to the packet before the EOF: nothing ends.
    const before = harness({ compressed: false });
    before.iso.pushTransfer(urb.data, packets.slice(0, eofIndex));
    expect(before.frames).toHaveLength(0);

    // With the EOF packet: exactly one frame, holding every data byte of packets 0..27.
    const through = harness({ compressed: false });
    through.iso.pushTransfer(urb.data, packets.slice(0, eofIndex + 1));
    expect(through.frames).toHaveLength(1);

    // The whole URB: the FID=1 idle packets that follow start nothing.
    const whole = harness({ compressed: false });
    whole.iso.pushTransfer(urb.data, packets, 5_000_000);
    whole.assembler.flush();
    expect(whole.frames).toHaveLength(1);
    const expected = concat(
      ...urb.packets
        .slice(0, eofIndex + 1)
        .map((packet) => urb.data.subarray(packet.offset + 12, packet.offset + packet.length)),
    );
    expect(expected.length).toBe(26 * 1268 + 424);
    const frame = whole.frames[0]!;
    expect(frame.data).toEqual(expected);
    expect(frame.pts).toBe(new DataView(urb.data.buffer, urb.data.byteOffset).getUint32(2, true));
    expect(frame.firstPayloadTime).toBe(5_000_000);
    expect(frame.flags).toEqual(cleanFrameFlags());
    expect(whole.assembler.counters.headerOnlyPayloads).toBe(5);
    expect(whole.assembler.counters.framesIncomplete).toBe(0);
  });
});

describe('bugs.md §11: FID never toggles', () => {
  it('frames by EOF alone with 2-byte headers', () => {
    const { iso, frames, assembler } = harness();
    const payloads = ['02 00 01 02', '02 02 03', '02 00 04', '02 02 05 06', '02 02 07'].map(hex);
    const transfer = isoTransfer(...payloads);
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(frames.map((frame) => Array.from(frame.data))).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(assembler.counters.fidStuckAfterEof).toBe(2);
  });

  it('frames by EOF alone with 12-byte headers (0c 8c / 0c 8e, FID always 0)', () => {
    const { iso, frames } = harness();
    const header = (bfh: number): Uint8Array => {
      const bytes = new Uint8Array(12);
      bytes.set([12, bfh]);
      return bytes;
    };
    const transfer = isoTransfer(
      concat(header(0x8c), hex('10 11')),
      concat(header(0x8e), hex('12')),
      concat(header(0x8c), hex('20')),
      concat(header(0x8e), hex('21 22')),
    );
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(frames.map((frame) => Array.from(frame.data))).toEqual([
      [0x10, 0x11, 0x12],
      [0x20, 0x21, 0x22],
    ]);
  });
});

describe('MJPEG without EOF (UVC_QUIRK_MJPEG_NO_EOF)', () => {
  it('a payload starting with SOI ends the frame in progress, which lost its EOF', () => {
    const { iso, frames, assembler } = harness({ mjpeg: true, deliverBad: true });
    const payloads = ['02 00 ff d8 01', '02 00 02 03', '02 00 ff d8 04', '02 02 05 ff d9'].map(hex);
    const transfer = isoTransfer(...payloads);
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(frames.map((frame) => Array.from(frame.data))).toEqual([
      [0xff, 0xd8, 1, 2, 3],
      [0xff, 0xd8, 4, 5, 0xff, 0xd9],
    ]);
    expect(frames[0]!.flags.incomplete).toBe(true);
    expect(frames[1]!.flags.incomplete).toBe(false);
    expect(assembler.counters.framesIncomplete).toBe(1);
    expect(assembler.counters.framesDelivered).toBe(1);
    expect(assembler.counters.badFramesDelivered).toBe(1);
  });

  it('a frame ended by an FID toggle without EOF is complete', () => {
    const { iso, frames } = harness({ mjpeg: true });
    const payloads = ['02 00 ff d8 01', '02 01 ff d8 02', '02 00 ff d8 03'].map(hex);
    const transfer = isoTransfer(...payloads);
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(frames.map((frame) => Array.from(frame.data))).toEqual([
      [0xff, 0xd8, 1],
      [0xff, 0xd8, 2],
    ]);
  });

  it('an MJPEG frame that does not start with SOI is incomplete', () => {
    const { iso, frames, assembler } = harness({ mjpeg: true });
    const transfer = isoTransfer(hex('02 00 12 34'), hex('02 02 ff d9'));
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(frames).toHaveLength(0);
    expect(assembler.counters.framesIncomplete).toBe(1);
  });
});

describe('errors and sizes', () => {
  it('ERR bit: the frame is counted as error and not delivered as good', () => {
    const plain = harness();
    const transfer = isoTransfer(...['02 40 01 02', '02 42 03', '02 01 04', '02 03 05'].map(hex));
    plain.iso.pushTransfer(transfer.data, transfer.packets);
    expect(plain.frames.map((frame) => Array.from(frame.data))).toEqual([[4, 5]]);
    expect(plain.assembler.counters.framesError).toBe(1);
    expect(plain.frames[0]!.flags.droppedBefore).toBe(true);
    expect(plain.frames[0]!.sequence).toBe(1);

    const withBad = harness({ deliverBad: true });
    withBad.iso.pushTransfer(transfer.data, transfer.packets);
    expect(withBad.frames).toHaveLength(2);
    expect(withBad.frames[0]!.flags.error).toBe(true);
    expect(withBad.frames[1]!.flags.error).toBe(false);
  });

  it('uncompressed frames of the wrong size are counted, not delivered as good', () => {
    // 4 × 2 pixels YUYV: 16 bytes.
    const expectedFrameSize = uncompressedFrameSize(4, 2, 16);
    expect(expectedFrameSize).toBe(16);
    const { iso, frames, assembler } = harness({
      compressed: false,
      expectedFrameSize,
      bufferSize: 64,
    });
    const good = concat(hex('02 02'), filled(new Uint8Array(0), 16, 1));
    const short = concat(hex('02 03'), filled(new Uint8Array(0), 14, 2));
    const long = concat(hex('02 02'), filled(new Uint8Array(0), 18, 3));
    const transfer = isoTransfer(good, short, long);
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.data).toEqual(good.subarray(2));
    expect(assembler.counters.framesWrongSize).toBe(2);
  });

  it('header lengths that do not fit are counted and lose the frame in progress', () => {
    const { iso, frames, assembler } = harness({ deliverBad: true });
    const payloads = ['02 00 01', '0c 8c 00 00 00 00', '05 00 02 03 04 05', '02 02 06'].map(hex);
    const transfer = isoTransfer(...payloads);
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(assembler.counters.invalidHeaders).toBe(2);
    expect(assembler.counters.discardedBytes).toBe(12);
    expect(frames).toHaveLength(1);
    expect(Array.from(frames[0]!.data)).toEqual([1, 6]);
    expect(frames[0]!.flags.incomplete).toBe(true);
  });

  it('stale packets before the first valid header are dropped and counted', () => {
    const { iso, frames, assembler } = harness();
    const transfer = isoTransfer(hex('ff 00 11 22'), hex('7f'), hex('02 00 01'), hex('02 02 02'));
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(assembler.counters.staleBytes).toBe(5);
    expect(assembler.counters.invalidHeaders).toBe(0);
    // The first frame follows lost bytes, so its start may be missing: incomplete.
    expect(frames).toHaveLength(0);
    expect(assembler.counters.framesIncomplete).toBe(1);
  });

  it('isochronous packets with an error status are counted and mark the frame incomplete', () => {
    const { iso, frames, assembler } = harness({ deliverBad: true });
    const payloads = ['02 00 01', '02 00 02', '02 02 03', '02 01 04', '02 03 05'].map(hex);
    const transfer = isoTransfer(...payloads);
    transfer.packets[1]!.status = 'babble';
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(iso.counters.errorPackets).toBe(1);
    expect(frames.map((frame) => [Array.from(frame.data), frame.flags.incomplete])).toEqual([
      [[1, 3], true],
      [[4, 5], false],
    ]);
  });

  it('a packet pointing outside the transfer is counted as failed', () => {
    const { iso, assembler } = harness();
    iso.pushTransfer(hex('02 00 01'), [{ offset: 2, length: 10, status: 0 }]);
    expect(iso.counters.outOfBoundsPackets).toBe(1);
    expect(assembler.counters.bytesCopied).toBe(0);
  });

  it('overflow beyond the pooled buffer marks the frame and never writes past it', () => {
    const { iso, frames, assembler, pool } = harness({ bufferSize: 8, deliverBad: true });
    const transfer = isoTransfer(hex('02 00 01 02 03 04 05'), hex('02 02 06 07 08 09 0a'));
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.flags.overflow).toBe(true);
    expect(Array.from(frames[0]!.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(assembler.counters.framesOverflow).toBe(1);
    expect(assembler.counters.bytesCopied).toBe(8);
    expect(pool.bufferSize).toBe(8);
  });
});

describe('frame pool', () => {
  it('drops frames when every buffer is on loan, and resumes once one is released', () => {
    const { iso, frames, held, assembler, pool } = harness({ poolCount: 2, hold: true });
    const frame = (fid: number, value: number): Uint8Array => Uint8Array.of(2, 0x02 | fid, value);
    for (let index = 0; index < 4; index += 1) {
      const transfer = isoTransfer(frame(index % 2, index + 1));
      iso.pushTransfer(transfer.data, transfer.packets);
    }
    expect(frames.map((seen) => seen.sequence)).toEqual([0, 1]);
    expect(assembler.counters.framesDropped).toBe(2);
    expect(pool.available).toBe(0);

    held[0]!.release();
    held[0]!.release();
    expect(pool.available).toBe(1);
    const transfer = isoTransfer(frame(0, 9));
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(frames).toHaveLength(3);
    expect(frames[2]!.sequence).toBe(4);
    expect(frames[2]!.flags.droppedBefore).toBe(true);
    expect(Array.from(frames[2]!.data)).toEqual([9]);
  });

  it('never hands out a buffer still in use; a stale release does not free a new loan', () => {
    const pool = new FramePool({ count: 1, bufferSize: 4 });
    const slot = pool.acquire()!;
    expect(pool.acquire()).toBeUndefined();
    const details = { sequence: 0, firstPayloadTime: 0, lastPayloadTime: 0 };
    const first = pool.lend(slot, 2, { ...details, flags: cleanFrameFlags() });
    first.release();
    const again = pool.acquire()!;
    expect(again).toBe(slot);
    first.release();
    expect(pool.available).toBe(0);
    pool.giveBack(again);
    expect(pool.available).toBe(1);
  });

  it('sizes buffers from dwMaxVideoFrameSize, the frame descriptor or the geometry', () => {
    const size = frameBufferSize;
    expect(size({ dwMaxVideoFrameSize: 153600, dwMaxVideoFrameBufferSize: 1 })).toBe(153600);
    expect(size({ dwMaxVideoFrameSize: 0, dwMaxVideoFrameBufferSize: 115200 })).toBe(115200);
    const nv12 = { dwMaxVideoFrameSize: 0, wWidth: 640, wHeight: 480, bitsPerPixel: 12 };
    expect(size(nv12)).toBe(640 * 480 * 1.5);
    expect(() => size({ dwMaxVideoFrameSize: 0 })).toThrow(/no usable frame buffer size/);
    expect(() => size({ dwMaxVideoFrameSize: 0xffffffff })).toThrow(/bad frame buffer size/);
    expect(() => new FramePool({ count: 0, bufferSize: 16 })).toThrow(/bad frame pool size/);
    try {
      new FramePool({ count: 2, bufferSize: -1 });
      expect.unreachable();
    } catch (error) {
      expect(isCameraError(error, 7400101)).toBe(true);
    }
  });

  it('rejects an uncompressed frame size larger than the pool buffers', () => {
    const pool = new FramePool({ count: 1, bufferSize: 8 });
    const options = { pool, compressed: false, expectedFrameSize: 16, onFrame: () => undefined };
    expect(() => new FrameAssembler(options)).toThrow(/does not fit the pool/);
  });
});

describe('delivery', () => {
  it('takes host times from the injected clock', () => {
    let now = 0;
    const { iso, frames } = harness({ clock: () => (now += 1000) });
    const first = isoTransfer(hex('02 00 01'));
    const last = isoTransfer(hex('02 02 02'));
    iso.pushTransfer(first.data, first.packets);
    iso.pushTransfer(last.data, last.packets);
    expect(frames[0]!.firstPayloadTime).toBe(1000);
    expect(frames[0]!.lastPayloadTime).toBe(2000);
  });

  it('an onFrame that throws leaves the assembler consistent and the error is rethrown', () => {
    const pool = new FramePool({ count: 2, bufferSize: 16 });
    const seen: number[] = [];
    const assembler = new FrameAssembler({
      pool,
      compressed: true,
      clock: () => 0,
      onFrame(frame) {
        seen.push(frame.data[0] ?? -1);
        frame.release();
        if (seen.length === 1) throw new Error('consumer failed');
      },
    });
    expect(() => assembler.pushPayload(hex('02 02 01'))).toThrow('consumer failed');
    assembler.pushPayload(hex('02 03 02'));
    expect(seen).toEqual([1, 2]);
    expect(pool.available).toBe(2);
  });

  it('flush ends the frame in progress as incomplete; reset forgets it', () => {
    const { assembler, pool, frames } = harness({ deliverBad: true });
    assembler.pushPayload(hex('02 00 01 02'));
    assembler.flush();
    expect(frames).toHaveLength(1);
    expect(frames[0]!.flags.incomplete).toBe(true);

    assembler.pushPayload(hex('02 01 03'));
    expect(pool.available).toBe(3);
    assembler.reset();
    expect(pool.available).toBe(4);
    assembler.pushPayload(hex('58 59 5a'));
    expect(assembler.counters.staleBytes).toBe(3);
  });
});

describe('bugs.md §13: idle packets of the next frame carry the previous PTS', () => {
  it("takes a frame's PTS from its first payload with data, not from the idle header that opened it", () => {
    const { iso, frames } = harness({ compressed: false, expectedFrameSize: 8 });
    // Frame 1 (FID 0, PTS 0x100): data, then EOF in a header-only packet.
    // Then idle packets with FID 1 still carrying PTS 0x100, as the Vaultmicro capture shows,
    // then frame 2's data with its own PTS 0x200.
    const transfer = isoTransfer(
      hex('0c 0c 00 01 00 00 00 00 00 00 00 00 01 02 03 04 05 06 07 08'),
      hex('0c 0e 00 01 00 00 00 00 00 00 00 00'),
      hex('0c 0d 00 01 00 00 00 00 00 00 00 00'),
      hex('0c 0d 00 02 00 00 00 00 00 00 00 00 11 12 13 14 15 16 17 18'),
      hex('0c 0f 00 02 00 00 00 00 00 00 00 00'),
    );
    iso.pushTransfer(transfer.data, transfer.packets);
    expect(frames.map((f) => f.pts)).toEqual([0x100, 0x200]);
    expect(frames[1]!.data).toEqual(hex('11 12 13 14 15 16 17 18'));
  });
});
