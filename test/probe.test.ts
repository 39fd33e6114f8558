/**
 * Probe/commit layout, encode/decode and sanitising, checked against real probe answers:
 * the Logitech C310 GET_DEF(PROBE) reply read from its pcapng capture and the Realtek
 * 0bda:5602 GET_CUR(PROBE) reply read from the usbmon text trace, compared with the frame
 * descriptors of the same cameras.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCameraError } from '../src/errors.js';
import type { FormatKind } from '../src/uvc/model.js';
import {
  decodeProbe,
  emptyProbe,
  encodeProbe,
  PROBE_FIELDS,
  PROBE_HINT,
  PROBE_LENGTH,
  probeLength,
  sanitizeProbe,
  type ProbeControl,
} from '../src/uvc/probe.js';
import { capturesDir, rawDescriptorsDir } from './fixtures.js';

const C310_PCAPNG = join(capturesDir, 'logitech_C310_enum.pcapng');
const C310_CONFIG = join(rawDescriptorsDir, 'logitech_c310_046d-081b.config.bin');
const REALTEK_TRACE = join(
  capturesDir,
  'dell_xps12_realtek_0bda-5602_bulk_usbmon-works-mjpg-320x240.txt',
);
const REALTEK_LSUSB = join(
  capturesDir,
  '..',
  'descriptors',
  'realtek_integrated_webcam_dell_xps12_bulk_0bda-5602.lsusb.txt',
);
const ESPRESSIF_CONFIG = join(rawDescriptorsDir, 'espressif_tinyusb_dual_uvc_303a-8000.config.bin');

/** The data stage of the first control IN completion answering `setupHex` in a pcapng capture. */
function pcapngControlAnswer(path: string, setupHex: string): Uint8Array {
  const file = readFileSync(path);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const pendingIds = new Set<bigint>();
  let offset = 0;
  while (offset + 12 <= file.length) {
    const type = view.getUint32(offset, true);
    const length = view.getUint32(offset + 4, true);
    if (type === 6) {
      const captured = view.getUint32(offset + 20, true);
      const packet = file.subarray(offset + 28, offset + 28 + captured);
      // usbmon mmapped header (64 bytes): id @0, event type @8, setup @40, data @64.
      const id = new DataView(packet.buffer, packet.byteOffset).getBigUint64(0, true);
      const event = String.fromCharCode(packet[8] ?? 0);
      const setup = hex(packet.subarray(40, 48));
      if (event === 'S' && packet[14] === 0 && setup === setupHex) pendingIds.add(id);
      if (event === 'C' && pendingIds.has(id)) return new Uint8Array(packet.subarray(64));
    }
    offset += length;
  }
  throw new Error(`no answer to ${setupHex} in ${path}`);
}

/** Data of the usbmon text completions that answer control IN requests with this setup. */
function usbmonAnswers(path: string, setup: string): Uint8Array[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const answers: Uint8Array[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fields = (lines[i] ?? '').split(' ');
    const isControlIn = fields[2] === 'S' && fields[3]?.startsWith('Ci:') === true;
    if (!isControlIn || fields.slice(5, 10).join(' ') !== setup) continue;
    const tag = fields[0];
    const completion = lines
      .slice(i + 1)
      .find((line) => line.startsWith(`${tag} `) && line.split(' ')[2] === 'C');
    const words = completion?.split(' = ')[1];
    if (words !== undefined) answers.push(fromHex(words.replaceAll(' ', '')));
  }
  return answers;
}

/** Facts from a frame descriptor's bytes (UVC 1.5 §3.9.2.2). */
interface FrameFacts {
  index: number;
  width: number;
  height: number;
  bufferSize: number;
}

function frameFacts(descriptor: Uint8Array): FrameFacts {
  const view = new DataView(descriptor.buffer, descriptor.byteOffset, descriptor.byteLength);
  return {
    index: descriptor[3] ?? 0,
    width: view.getUint16(5, true),
    height: view.getUint16(7, true),
    bufferSize: view.getUint32(17, true),
  };
}

/** Class-specific VS descriptors of a configuration: [subtype, bytes]; and the bcdUVC. */
function classDescriptors(config: Uint8Array): { bcdUVC: number; descriptors: Uint8Array[] } {
  const descriptors: Uint8Array[] = [];
  let bcdUVC = 0;
  let subclass = 0;
  for (let offset = 0; offset + 2 <= config.length; ) {
    const length = config[offset] ?? 0;
    if (length < 2) break;
    const descriptor = config.subarray(offset, offset + length);
    if (descriptor[1] === 0x04) subclass = descriptor[6] ?? 0;
    if (descriptor[1] === 0x24 && subclass === 1 && descriptor[2] === 0x01 && bcdUVC === 0) {
      bcdUVC = (descriptor[3] ?? 0) | ((descriptor[4] ?? 0) << 8);
    }
    if (descriptor[1] === 0x24 && subclass === 2) descriptors.push(descriptor);
    offset += length;
  }
  return { bcdUVC, descriptors };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

function le(bytes: Uint8Array, offset: number, size: number): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + (bytes[offset + i] ?? 0);
  return value;
}

const c310GetDef = pcapngControlAnswer(C310_PCAPNG, 'a1 87 00 01 01 00 1a 00');
const realtekGetCur = usbmonAnswers(REALTEK_TRACE, 'a1 81 0100 0001 001a');

describe('probe layout table', () => {
  it('covers the 48-byte UVC 1.5 structure without gaps or overlaps', () => {
    let expected = 0;
    for (const field of PROBE_FIELDS) {
      expect(field.offset, field.name).toBe(expected);
      expected += field.size;
    }
    expect(expected).toBe(PROBE_LENGTH.UVC_1_5);
  });

  it('ends a field exactly at the 26- and 34-byte boundaries of UVC 1.0 and 1.1', () => {
    const ends = PROBE_FIELDS.map((field) => field.offset + field.size);
    expect(ends).toContain(PROBE_LENGTH.UVC_1_0);
    expect(ends).toContain(PROBE_LENGTH.UVC_1_1);
  });

  it('picks the length from bcdUVC, also for the real C310 (1.00) and ESP32 (1.50)', () => {
    const c310 = classDescriptorsOf(C310_CONFIG);
    const espressif = classDescriptorsOf(ESPRESSIF_CONFIG);
    expect(c310.bcdUVC).toBe(0x0100);
    expect(espressif.bcdUVC).toBe(0x0150);
    expect(probeLength(c310.bcdUVC)).toBe(c310GetDef.length);
    expect(probeLength(espressif.bcdUVC)).toBe(48);
    expect(probeLength(0x0110)).toBe(34);
    expect(probeLength(0x0149)).toBe(34);
  });
});

function classDescriptorsOf(path: string): { bcdUVC: number; descriptors: Uint8Array[] } {
  return classDescriptors(new Uint8Array(readFileSync(path)));
}

describe('decodeProbe on real answers', () => {
  it('reads the C310 GET_DEF reply from the pcapng at the spec offsets', () => {
    const probe = decodeProbe(c310GetDef);
    expect(c310GetDef.length).toBe(26);
    for (const field of PROBE_FIELDS) {
      if (field.name === 'bmLayoutPerStream' || field.offset + field.size > 26) continue;
      expect(probe[field.name], field.name).toBe(le(c310GetDef, field.offset, field.size));
    }
  });

  it('matches the C310 frame descriptor it points at (640x480 YUY2 = dwMaxVideoFrameSize)', () => {
    const probe = decodeProbe(c310GetDef);
    const { descriptors } = classDescriptorsOf(C310_CONFIG);
    const frame = descriptors
      .filter((d) => d[2] === 0x05)
      .map(frameFacts)
      .find((f) => f.index === probe.bFrameIndex);
    expect(frame).toBeDefined();
    expect(probe.dwMaxVideoFrameSize).toBe(frame?.bufferSize);
    expect(probe.dwMaxVideoFrameSize).toBe((frame?.width ?? 0) * (frame?.height ?? 0) * 2);
  });

  it('reads the Realtek GET_CUR replies of the usbmon trace; they match its 320x240 frame', () => {
    expect(realtekGetCur.length).toBeGreaterThan(0);
    const lsusb = readFileSync(REALTEK_LSUSB, 'utf8');
    const frames = [...lsusb.matchAll(/INTERFACE CLASS:\s+((?:[0-9a-f]{2} ?)+)/g)]
      .map((match) => fromHex(match[1] ?? ''))
      .filter((d) => d[2] === 0x07)
      .map(frameFacts);
    for (const answer of realtekGetCur) {
      const probe = decodeProbe(answer);
      const frame = frames.find((f) => f.index === probe.bFrameIndex);
      expect(frame).toMatchObject({ width: 320, height: 240 });
      expect(probe.dwMaxVideoFrameSize).toBe(frame?.bufferSize);
      expect(probe.dwMaxPayloadTransferSize).toBe(le(answer, 22, 4));
      expect(probe.wDelay).toBe(le(answer, 16, 2));
    }
  });

  it('zero-fills fields a short answer does not reach', () => {
    const probe = decodeProbe(c310GetDef.subarray(0, 22));
    expect(probe.dwMaxVideoFrameSize).toBe(le(c310GetDef, 18, 4));
    expect(probe.dwMaxPayloadTransferSize).toBe(0);
    expect(probe.dwClockFrequency).toBe(0);
    expect(Array.from(probe.bmLayoutPerStream)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('encodeProbe', () => {
  it('reproduces every real 26-byte answer byte for byte', () => {
    for (const answer of [c310GetDef, ...realtekGetCur]) {
      expect(hex(encodeProbe(decodeProbe(answer), 26))).toBe(hex(answer));
    }
  });

  it('round-trips all 48 bytes of a UVC 1.5 structure and truncates for older lengths', () => {
    const bytes = Uint8Array.from({ length: 48 }, (_, i) => (i * 37 + 11) & 0xff);
    const probe = decodeProbe(bytes);
    expect(hex(encodeProbe(probe, 48))).toBe(hex(bytes));
    expect(hex(encodeProbe(probe, 34))).toBe(hex(bytes.subarray(0, 34)));
    expect(hex(encodeProbe(probe, 26))).toBe(hex(bytes.subarray(0, 26)));
    expect(hex(probe.bmLayoutPerStream)).toBe(hex(bytes.subarray(40, 48)));
  });

  it('rejects lengths other than 26/34/48 and values that do not fit their field', () => {
    const probe = decodeProbe(c310GetDef);
    expect(() => encodeProbe(probe, 30)).toThrow(/26, 34, 48/);
    const tooBig: ProbeControl = { ...probe, bFormatIndex: 256 };
    let caught: unknown;
    try {
      encodeProbe(tooBig, 26);
    } catch (error) {
      caught = error;
    }
    expect(isCameraError(caught, 7400101)).toBe(true);
    expect(String(caught)).toMatch(/bFormatIndex.*0\.\.255.*256/);
  });
});

describe('sanitizeProbe (C310 GET_DEF junk)', () => {
  const junk = decodeProbe(c310GetDef);

  it('the capture really carries reserved bmHint bits and junk rate fields', () => {
    expect(junk.bmHint & ~0x1f).not.toBe(0);
    expect(junk.wKeyFrameRate).not.toBe(0);
    expect(junk.wPFrameRate).not.toBe(0);
    expect(junk.wCompWindowSize).not.toBe(0);
  });

  const kinds: FormatKind[] = ['uncompressed', 'mjpeg'];
  it.each(kinds)('clears what does not apply to %s formats', (kind) => {
    const clean = sanitizeProbe(junk, kind);
    expect(clean.bmHint).toBe(PROBE_HINT.FRAME_INTERVAL);
    expect([clean.wKeyFrameRate, clean.wPFrameRate, clean.wCompWindowSize]).toEqual([0, 0, 0]);
    // The meaningful fields survive untouched.
    const kept = [
      'bFormatIndex',
      'bFrameIndex',
      'dwFrameInterval',
      'wCompQuality',
      'dwMaxVideoFrameSize',
      'dwMaxPayloadTransferSize',
    ] as const;
    for (const name of kept) {
      expect(clean[name], name).toBe(junk[name]);
    }
    // The input is not modified.
    expect(decodeProbe(c310GetDef)).toEqual(junk);
  });

  it('keeps the encoder fields of frame-based formats, never the reserved bmHint bits', () => {
    const h264 = {
      ...emptyProbe(),
      bmHint: 0xffff,
      wKeyFrameRate: 30,
      wPFrameRate: 2,
      bUsage: 1,
      bBitDepthLuma: 8,
    };
    const clean = sanitizeProbe(h264, 'frameBased');
    expect(clean.bmHint).toBe(PROBE_HINT.FRAME_INTERVAL);
    const kept = [clean.wKeyFrameRate, clean.wPFrameRate, clean.bUsage, clean.bBitDepthLuma];
    expect(kept).toEqual([30, 2, 1, 8]);
  });
});
