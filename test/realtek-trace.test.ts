/**
 * The real Realtek 0bda:5602 (Dell XPS 12) usbmon trace, bulk MJPEG 320x240 (bugs.md §2).
 * usbmon's text format cut every payload body to 32 bytes; the bodies are filled up to their real
 * lengths with deterministic bytes (never 0xff, so no JPEG marker appears by accident), keeping
 * every visible byte. Headers, lengths, timing and order are the camera's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameAssembler } from '../src/stream/assembler.js';
import { BulkPayloadDriver } from '../src/stream/bulk.js';
import { FramePool, frameBufferSize } from '../src/stream/pool.js';
import { UVC_REQ, VS_CONTROL } from '../src/uvc/constants.js';
import {
  extractBulkInCompletions,
  extractControlTransfers,
  parseUsbCapture,
  parseUsbmonText,
  parseUsbPcap,
  type BulkInCompletion,
  type ControlTransfer,
} from '../src/usb/usbmon.js';
import { capturesDir } from './fixtures.js';

const BASE = 'dell_xps12_realtek_0bda-5602_bulk_usbmon-works-mjpg-320x240';
const text = readFileSync(join(capturesDir, `${BASE}.txt`), 'utf8');
const pcap = new Uint8Array(readFileSync(join(capturesDir, `${BASE}.derived.pcap`)));
const textEvents = parseUsbmonText(text);
const pcapEvents = parseUsbPcap(pcap);

/** The camera: bus 1, device 4; video on bulk EP 0x81, streaming interface 1. */
const CAMERA = { bus: 1, device: 4 };
const VIDEO_ENDPOINT = 0x81;
const STREAMING_INTERFACE = 1;
const HEADER_LENGTH = 12;

/** Fill a cut body up to its real length: the visible bytes, then filler without 0xff. */
function fillBody(completion: BulkInCompletion, index: number): Uint8Array {
  const body = new Uint8Array(completion.length);
  for (let offset = completion.data.length; offset < body.length; offset += 1) {
    body[offset] = (offset * 13 + index * 7) % 0xfe;
  }
  body.set(completion.data);
  return body;
}

/** Read a u32 LE with DataView, independent of the code under test. */
function u32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

/** A completion that starts with a 12-byte header `0c 8c..8f` (as seen in the trace). */
function looksLikeHeader(bytes: Uint8Array): boolean {
  return bytes[0] === HEADER_LENGTH && ((bytes[1] ?? 0) & 0xfc) === 0x8c;
}

describe('Realtek usbmon trace: parsing', () => {
  it('reads every event of the text and the pcap alike', () => {
    const lines = text.split('\n');
    const eventLines = lines.filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(textEvents).toHaveLength(eventLines.length);
    expect(pcapEvents).toHaveLength(textEvents.length);
    for (let index = 0; index < textEvents.length; index += 1) {
      const fromText = textEvents[index]!;
      const fromPcap = pcapEvents[index]!;
      const pcapView = {
        ...fromPcap,
        data: Array.from(fromPcap.data),
        setup: fromPcap.setup && Array.from(fromPcap.setup),
      };
      expect(pcapView).toMatchObject({
        id: fromText.id,
        timestampUs: fromText.timestampUs,
        type: fromText.type,
        transferType: fromText.transferType,
        bus: fromText.bus,
        device: fromText.device,
        endpoint: fromText.endpoint,
        length: fromText.length,
        data: Array.from(fromText.data),
        setup: fromText.setup && Array.from(fromText.setup),
      });
      if (fromText.setup === undefined) expect(fromPcap.status).toBe(fromText.status);
    }
    expect(parseUsbCapture(pcap)).toHaveLength(textEvents.length);
    expect(parseUsbCapture(new TextEncoder().encode(text))).toHaveLength(textEvents.length);
  });

  it('rejects a malformed line with a CameraError naming it', () => {
    const badAddress = '# comment\nffff88 12 S Xi:1:004:1 -115 16384 <';
    expect(() => parseUsbmonText(badAddress)).toThrow(/usbmon text line 2: bad address/);
    expect(() => parseUsbmonText('ffff88 12 S Bi:1:004:1 -115')).toThrow(/missing data length/);
    // The older 't' format has no bus in the address.
    const [old] = parseUsbmonText('ffff88 12 S Bi:004:1 -115 16384 <');
    expect(old).toMatchObject({ bus: 0, device: 4, endpoint: 0x81 });
    expect(() => parseUsbmonText('ffff88 12 X Bi:1:004:1 -115 16384 <')).toThrow(/bad event type/);
    expect(() => parseUsbmonText('ffff88 12 C Bi:1:004:1 0 3 = 0a0b0')).toThrow(/bad data words/);
    expect(() => parseUsbPcap(new Uint8Array(40))).toThrow(/not a pcap or pcapng file/);
  });

  it('pairs the bulk IN completions with their 16384-byte requests, same in text and pcap', () => {
    const fromText = extractBulkInCompletions(textEvents, { ...CAMERA, endpoint: VIDEO_ENDPOINT });
    const fromPcap = extractBulkInCompletions(pcapEvents, { ...CAMERA, endpoint: VIDEO_ENDPOINT });
    const completionLines = text.split('\n').filter((line) => / C Bi:1:004:1 /.test(line));
    expect(fromText).toHaveLength(completionLines.length);
    expect(fromText.every((completion) => completion.requestedLength === 16384)).toBe(true);
    expect(fromPcap.map((c) => [c.timestampUs, c.length, c.status, Array.from(c.data)])).toEqual(
      fromText.map((c) => [c.timestampUs, c.length, c.status, Array.from(c.data)]),
    );
    // Five URBs are killed (-2 ENOENT) at stream stop.
    expect(fromText.filter((completion) => completion.status !== 0)).toHaveLength(5);
  });
});

describe('other usbmon forms', () => {
  it('reads the C310 pcapng (link type 220): GET_DEF(VS_PROBE) answers the README bytes', () => {
    const file = join(capturesDir, 'logitech_C310_enum.pcapng');
    const events = parseUsbCapture(new Uint8Array(readFileSync(file)));
    expect(events).toHaveLength(117);
    const getDef = extractControlTransfers(events).filter(
      (control) =>
        control.bRequest === UVC_REQ.GET_DEF && control.wValue === VS_CONTROL.PROBE_CONTROL << 8,
    );
    expect(getDef).toHaveLength(1);
    const readme = 'eb b2 01 01 15 16 05 00 fe eb 0b 01 d0 07 ef d1 00 00 00 60 09 00 f4 0b 00 00';
    const answer = Array.from(getDef[0]!.data, (byte) => byte.toString(16).padStart(2, '0'));
    expect(answer.join(' ')).toBe(readme);
    expect(getDef[0]!.dataLength).toBe(26);
  });

  it('reads an isochronous text line: status words, descriptors, length and data', () => {
    // Values of the Vaultmicro iso URB, written as usbmon would print them.
    const line = [
      'ffff90de0307c800 3416054 C Zi:1:003:1 0:1:3160:0 32',
      '0:0:1280 0:1280:1280 0:2560:1280 0:3840:1280 0:5120:1280',
      '33776 = 0c0ca929 bdaf017d',
    ].join(' ');
    const [event] = parseUsbmonText(line);
    expect(event).toMatchObject({
      type: 'C',
      transferType: 'Zi',
      bus: 1,
      device: 3,
      endpoint: 0x81,
      status: 0,
      interval: 1,
      startFrame: 3160,
      length: 33776,
    });
    expect(event!.iso?.packetCount).toBe(32);
    expect(event!.iso?.descriptors).toHaveLength(5);
    expect(event!.iso?.descriptors[4]).toEqual({ status: 0, offset: 5120, length: 1280 });
    expect(Array.from(event!.data)).toEqual([0x0c, 0x0c, 0xa9, 0x29, 0xbd, 0xaf, 0x01, 0x7d]);
  });
});

describe('Realtek usbmon trace: probe and commit', () => {
  const controls = extractControlTransfers(textEvents, CAMERA);
  const streaming = (selector: number): ControlTransfer[] =>
    controls.filter(
      (control) => control.wValue === selector << 8 && control.wIndex === STREAMING_INTERFACE,
    );
  const probe = streaming(VS_CONTROL.PROBE_CONTROL);
  const commit = streaming(VS_CONTROL.COMMIT_CONTROL);

  it('extracts VS_PROBE SET_CUR, GET_CUR, GET_MIN, GET_MAX and VS_COMMIT with their bytes', () => {
    const count = (request: number): number =>
      probe.filter((control) => control.bRequest === request).length;
    expect(count(UVC_REQ.SET_CUR)).toBe(6);
    expect(count(UVC_REQ.GET_CUR)).toBe(3);
    expect(count(UVC_REQ.GET_MIN)).toBe(3);
    expect(count(UVC_REQ.GET_MAX)).toBe(3);
    expect(commit).toHaveLength(1);
    expect(commit[0]!.bRequest).toBe(UVC_REQ.SET_CUR);
    expect(commit[0]!.bmRequestType).toBe(0x21);
    const gets = probe.filter((control) => control.bRequest !== UVC_REQ.SET_CUR);
    expect(gets.every((control) => control.bmRequestType === 0xa1)).toBe(true);

    // Every transfer moved a whole UVC 1.0 probe (26 bytes) and succeeded.
    for (const control of [...probe, ...commit]) {
      expect(control.status).toBe(0);
      expect(control.wLength).toBe(26);
      expect(control.dataLength).toBe(26);
      expect(control.data).toHaveLength(26);
    }

    // The same transfers, byte for byte, from the pcap conversion.
    const fromPcap = extractControlTransfers(pcapEvents, CAMERA);
    expect(fromPcap.map((c) => [Array.from(c.setup), Array.from(c.data), c.status])).toEqual(
      controls.map((c) => [Array.from(c.setup), Array.from(c.data), c.status]),
    );
  });

  it('the committed probe names 320x240 MJPEG buffers and matches the last GET_CUR', () => {
    const committed = commit[0]!.data;
    const lastGetCur = probe.filter((control) => control.bRequest === UVC_REQ.GET_CUR).at(-1)!;
    expect(Array.from(committed)).toEqual(Array.from(lastGetCur.data));
    expect(committed[2]).toBe(2); // bFormatIndex
    expect(committed[3]).toBe(4); // bFrameIndex
    expect(u32(committed, 4)).toBe(333333); // dwFrameInterval: 30 fps
    expect(u32(committed, 18)).toBe(320 * 240 * 2); // dwMaxVideoFrameSize
    expect(u32(committed, 22)).toBe(43008); // dwMaxPayloadTransferSize
    // The first SET_CUR left dwMaxVideoFrameSize to the device.
    expect(u32(probe[0]!.data, 18)).toBe(0);
  });
});

describe('Realtek usbmon trace: MJPEG frames through the bulk driver', () => {
  const completions = extractBulkInCompletions(textEvents, { ...CAMERA, endpoint: VIDEO_ENDPOINT });
  const bodies = completions.map(fillBody);
  const commit = extractControlTransfers(textEvents, CAMERA).find(
    (control) => control.wValue === VS_CONTROL.COMMIT_CONTROL << 8,
  )!;

  /** Frames read straight from the recorded headers: from a SOI payload to the next EOF header. */
  interface RecordedFrame {
    pts: number;
    size: number;
    first: number;
    last: number;
  }

  function recordedFrames(): { eofHeaders: number; frames: RecordedFrame[] } {
    const frames: RecordedFrame[] = [];
    let eofHeaders = 0;
    let current: RecordedFrame | undefined;
    let previousShort = true;
    completions.forEach((completion, index) => {
      if (completion.status !== 0) return;
      const body = bodies[index]!;
      const payloadStart = previousShort;
      previousShort = completion.length < (completion.requestedLength ?? 0);
      if (payloadStart && !looksLikeHeader(body)) return; // no header: stale
      if (payloadStart && body[HEADER_LENGTH] === 0xff && body[HEADER_LENGTH + 1] === 0xd8) {
        current = { pts: u32(body, 2), size: 0, first: completion.timestampUs, last: 0 };
      }
      const headerBytes = payloadStart ? HEADER_LENGTH : 0;
      if (current !== undefined) current.size += completion.length - headerBytes;
      if (payloadStart && (body[1]! & 0x02) !== 0) {
        eofHeaders += 1;
        if (current !== undefined) {
          current.last = completion.timestampUs;
          frames.push(current);
        }
        current = undefined;
      }
    });
    return { eofHeaders, frames };
  }

  it('holds 104 EOF headers: 103 complete frames and one whose start preceded the capture', () => {
    const { eofHeaders, frames } = recordedFrames();
    expect(eofHeaders).toBe(104);
    expect(frames).toHaveLength(103);
  });

  it('assembles exactly the recorded frames with their PTS, sizes and times', () => {
    const bufferSize = frameBufferSize({ dwMaxVideoFrameSize: u32(commit.data, 18) });
    const pool = new FramePool({ count: 3, bufferSize });
    interface SeenFrame extends Omit<RecordedFrame, 'pts'> {
      pts?: number;
      head: number[];
      tail: number[];
      sequence: number;
      droppedBefore: boolean;
    }
    const seen: SeenFrame[] = [];
    const assembler = new FrameAssembler({
      pool,
      compressed: true,
      mjpeg: true,
      clock: () => -1,
      onFrame(frame) {
        seen.push({
          ...(frame.pts === undefined ? {} : { pts: frame.pts }),
          size: frame.data.length,
          first: frame.firstPayloadTime,
          last: frame.lastPayloadTime,
          head: Array.from(frame.data.subarray(0, 4)),
          tail: Array.from(frame.data.subarray(-2)),
          sequence: frame.sequence,
          droppedBefore: frame.flags.droppedBefore,
        });
        frame.release();
      },
    });
    const bulk = new BulkPayloadDriver(assembler, { maxPayloadTransferSize: u32(commit.data, 22) });

    completions.forEach((completion, index) => {
      const requested = completion.requestedLength ?? 0;
      if (completion.status !== 0) bulk.transferFailed();
      else bulk.pushTransfer(bodies[index]!, requested, completion.timestampUs);
    });
    assembler.flush();

    const recorded = recordedFrames().frames;
    expect(seen).toHaveLength(recorded.length);
    const assembled = seen.map(({ pts, size, first, last }) => ({ pts, size, first, last }));
    expect(assembled).toEqual(recorded);
    expect(seen.every((frame) => frame.head.join() === [0xff, 0xd8, 0xff, 0xdb].join())).toBe(true);
    expect(seen.every((frame) => frame.tail.join() === [0xff, 0xd9].join())).toBe(true);
    // The tail frame after the stale transfer took sequence 0 and was not delivered.
    expect(seen[0]!.sequence).toBe(1);
    expect(seen[0]!.droppedBefore).toBe(true);
    expect(seen.slice(1).every((frame) => !frame.droppedBefore)).toBe(true);

    const counters = assembler.counters;
    expect(counters.staleBytes).toBe(completions[0]!.length);
    expect(looksLikeHeader(completions[0]!.data)).toBe(false);
    expect(counters.invalidHeaders).toBe(0);
    expect(counters.framesDelivered).toBe(103);
    expect(counters.framesIncomplete).toBe(1);
    expect(counters.framesDropped).toBe(0);
    expect(counters.framesError + counters.framesOverflow + counters.framesWrongSize).toBe(0);
    expect(counters.lostPayloads).toBe(5);
    expect(counters.bytesCopied).toBe(recorded.reduce((sum, frame) => sum + frame.size, 0) + 2);
    expect(bulk.counters.payloadsOverNegotiated).toBe(0);
    expect(pool.available).toBe(3);
  });
});
