/**
 * The Video Probe and Commit Controls (UVC 1.5 §4.3.1.1, Table 4-75): one layout table
 * drives both {@link encodeProbe} and {@link decodeProbe}, so the write path mirrors the
 * read path field for field.
 *
 * The structure grew with the specification: 26 bytes in UVC 1.0, 34 in UVC 1.1, 48 in
 * UVC 1.5. A device must get exactly the length of its bcdUVC (Realtek RTS5847/RTS5852
 * reject 34 bytes at UVC 1.5), and some answer fewer bytes than asked; missing fields
 * decode as zero.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import type { FormatKind } from './model.js';

/** Video Probe and Commit Controls (UVC 1.5 §4.3.1.1, Table 4-75); spec names, host byte order. */
export interface ProbeControl {
  /** Fields the device must keep while negotiating: D0 dwFrameInterval … D4 wCompWindowSize. */
  bmHint: number;
  bFormatIndex: number;
  bFrameIndex: number;
  /** Frame interval in 100 ns units. */
  dwFrameInterval: number;
  wKeyFrameRate: number;
  wPFrameRate: number;
  /** Compression quality, 1 (lowest) to 10000 (highest). */
  wCompQuality: number;
  wCompWindowSize: number;
  /** Internal video streaming latency in ms; set by the device. */
  wDelay: number;
  /** Largest frame or codec-specific segment in bytes; set by the device. */
  dwMaxVideoFrameSize: number;
  /** Largest payload per transfer (isochronous: per service interval); set by the device. */
  dwMaxPayloadTransferSize: number;
  /** UVC 1.1: device clock in Hz. */
  dwClockFrequency: number;
  /** UVC 1.1: D0 FID required, D1 EOF may be present, D2 EOS may be present (UVC 1.5). */
  bmFramingInfo: number;
  /** UVC 1.1: payload format version preferred for bFormatIndex. */
  bPreferedVersion: number;
  bMinVersion: number;
  bMaxVersion: number;
  /** UVC 1.5: usage of the stream (frame-based encoders). */
  bUsage: number;
  /** UVC 1.5: bit_depth_luma_minus8 + 8. */
  bBitDepthLuma: number;
  /** UVC 1.5: encoder settings bitmap. */
  bmSettings: number;
  bMaxNumberOfRefFramesPlus1: number;
  bmRateControlModes: number;
  /** UVC 1.5: 64-bit layout of up to four simulcast streams, as the 8 wire bytes. */
  bmLayoutPerStream: Uint8Array;
}

/** The numeric fields of {@link ProbeControl}. */
export type ProbeNumberField = Exclude<keyof ProbeControl, 'bmLayoutPerStream'>;

/** One field of the wire layout: name, byte offset and size. */
export type ProbeField =
  | { name: ProbeNumberField; offset: number; size: 1 | 2 | 4 }
  | { name: 'bmLayoutPerStream'; offset: number; size: 8 };

/** The wire layout of the probe/commit structure (UVC 1.5 Table 4-75), in order. */
export const PROBE_FIELDS: readonly ProbeField[] = [
  { name: 'bmHint', offset: 0, size: 2 },
  { name: 'bFormatIndex', offset: 2, size: 1 },
  { name: 'bFrameIndex', offset: 3, size: 1 },
  { name: 'dwFrameInterval', offset: 4, size: 4 },
  { name: 'wKeyFrameRate', offset: 8, size: 2 },
  { name: 'wPFrameRate', offset: 10, size: 2 },
  { name: 'wCompQuality', offset: 12, size: 2 },
  { name: 'wCompWindowSize', offset: 14, size: 2 },
  { name: 'wDelay', offset: 16, size: 2 },
  { name: 'dwMaxVideoFrameSize', offset: 18, size: 4 },
  { name: 'dwMaxPayloadTransferSize', offset: 22, size: 4 },
  { name: 'dwClockFrequency', offset: 26, size: 4 },
  { name: 'bmFramingInfo', offset: 30, size: 1 },
  { name: 'bPreferedVersion', offset: 31, size: 1 },
  { name: 'bMinVersion', offset: 32, size: 1 },
  { name: 'bMaxVersion', offset: 33, size: 1 },
  { name: 'bUsage', offset: 34, size: 1 },
  { name: 'bBitDepthLuma', offset: 35, size: 1 },
  { name: 'bmSettings', offset: 36, size: 1 },
  { name: 'bMaxNumberOfRefFramesPlus1', offset: 37, size: 1 },
  { name: 'bmRateControlModes', offset: 38, size: 2 },
  { name: 'bmLayoutPerStream', offset: 40, size: 8 },
];

/** Length of the probe/commit structure by specification version. */
export const PROBE_LENGTH = {
  UVC_1_0: 26,
  UVC_1_1: 34,
  UVC_1_5: 48,
} as const;

/** bcdUVC values where the probe structure grew. */
export const BCD_UVC = {
  V1_1: 0x0110,
  V1_5: 0x0150,
} as const;

/** bmHint bits (UVC 1.5 §4.3.1.1); D5..D15 are reserved. */
export const PROBE_HINT = {
  FRAME_INTERVAL: 0x0001,
  KEY_FRAME_RATE: 0x0002,
  P_FRAME_RATE: 0x0004,
  COMP_QUALITY: 0x0008,
  COMP_WINDOW_SIZE: 0x0010,
} as const;

/** Bytes of bmLayoutPerStream. */
const LAYOUT_BYTES = 8;

/** The fields UVC 1.5 added for frame-based (H.264, VP8) encoders. */
const ENCODER_FIELDS = [
  'bUsage',
  'bBitDepthLuma',
  'bmSettings',
  'bMaxNumberOfRefFramesPlus1',
  'bmRateControlModes',
] as const satisfies readonly ProbeNumberField[];

/** The probe/commit length a device of this UVC version expects: 26, 34 or 48 bytes. */
export function probeLength(bcdUVC: number): number {
  if (bcdUVC >= BCD_UVC.V1_5) return PROBE_LENGTH.UVC_1_5;
  if (bcdUVC >= BCD_UVC.V1_1) return PROBE_LENGTH.UVC_1_1;
  return PROBE_LENGTH.UVC_1_0;
}

/** A probe with every field zero. */
export function emptyProbe(): ProbeControl {
  return {
    bmHint: 0,
    bFormatIndex: 0,
    bFrameIndex: 0,
    dwFrameInterval: 0,
    wKeyFrameRate: 0,
    wPFrameRate: 0,
    wCompQuality: 0,
    wCompWindowSize: 0,
    wDelay: 0,
    dwMaxVideoFrameSize: 0,
    dwMaxPayloadTransferSize: 0,
    dwClockFrequency: 0,
    bmFramingInfo: 0,
    bPreferedVersion: 0,
    bMinVersion: 0,
    bMaxVersion: 0,
    bUsage: 0,
    bBitDepthLuma: 0,
    bmSettings: 0,
    bMaxNumberOfRefFramesPlus1: 0,
    bmRateControlModes: 0,
    bmLayoutPerStream: new Uint8Array(LAYOUT_BYTES),
  };
}

/** A deep copy of a probe. */
export function copyProbe(probe: ProbeControl): ProbeControl {
  return { ...probe, bmLayoutPerStream: probe.bmLayoutPerStream.slice() };
}

/**
 * Encode a probe into `length` bytes (26, 34 or 48, see {@link probeLength}); fields beyond
 * `length` are left out.
 *
 * @throws CameraError 7400101 for another length or a value that does not fit its field.
 */
export function encodeProbe(probe: ProbeControl, length: number): Uint8Array<ArrayBuffer> {
  if (!isProbeLength(length)) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'Unsupported probe/commit length', {
      expected: Object.values(PROBE_LENGTH).join(', '),
      found: length,
    });
  }
  const bytes = new Uint8Array(length);

  for (const field of PROBE_FIELDS) {
    if (field.offset + field.size > length) continue;
    if (field.name === 'bmLayoutPerStream') {
      writeLayout(bytes, field.offset, probe.bmLayoutPerStream);
    } else {
      writeUint(bytes, field.offset, field.size, checkedValue(probe, field.name, field.size));
    }
  }
  return bytes;
}

/**
 * Decode a probe/commit answer. Fields the answer does not reach decode as zero (devices may
 * answer fewer bytes than asked); bytes beyond 48 are ignored.
 */
export function decodeProbe(bytes: Uint8Array): ProbeControl {
  const probe = emptyProbe();

  for (const field of PROBE_FIELDS) {
    if (field.offset + field.size > bytes.length) continue;
    if (field.name === 'bmLayoutPerStream') {
      probe.bmLayoutPerStream = bytes.slice(field.offset, field.offset + field.size);
    } else {
      probe[field.name] = readUint(bytes, field.offset, field.size);
    }
  }
  return probe;
}

/**
 * Clean a probe before the host sends it (UVC 1.5 §4.3.1.1; Logitech C310 046d:081b answers
 * GET_DEF with junk in bmHint, wKeyFrameRate, wPFrameRate and wCompWindowSize).
 *
 * Returns a copy with bmHint = 0x0001 (keep dwFrameInterval fixed; reserved bits never set),
 * and, for formats without temporal compression (uncompressed, MJPEG), wKeyFrameRate,
 * wPFrameRate, wCompWindowSize and the UVC 1.5 encoder fields zeroed. Frame-based and other
 * formats keep those fields, which apply to them.
 */
export function sanitizeProbe(probe: ProbeControl, kind: FormatKind): ProbeControl {
  const clean = copyProbe(probe);
  clean.bmHint = PROBE_HINT.FRAME_INTERVAL;

  if (kind === 'uncompressed' || kind === 'mjpeg') {
    clean.wKeyFrameRate = 0;
    clean.wPFrameRate = 0;
    clean.wCompWindowSize = 0;
    for (const name of ENCODER_FIELDS) clean[name] = 0;
    clean.bmLayoutPerStream = new Uint8Array(LAYOUT_BYTES);
  }
  return clean;
}

/** One line for logs: "format 1 frame 1 interval 333333 (30.00 fps) … payload 3060 B". */
export function describeProbe(probe: ProbeControl): string {
  const fps = probe.dwFrameInterval > 0 ? (1e7 / probe.dwFrameInterval).toFixed(2) : '?';
  return (
    `format ${probe.bFormatIndex} frame ${probe.bFrameIndex} interval ${probe.dwFrameInterval} ` +
    `(${fps} fps) bmHint 0x${probe.bmHint.toString(16).padStart(4, '0')} ` +
    `quality ${probe.wCompQuality} frame ${probe.dwMaxVideoFrameSize} B ` +
    `payload ${probe.dwMaxPayloadTransferSize} B`
  );
}

function isProbeLength(length: number): boolean {
  return Object.values(PROBE_LENGTH).some((value) => value === length);
}

function checkedValue(probe: ProbeControl, name: ProbeNumberField, size: 1 | 2 | 4): number {
  const value = probe[name];
  const max = 2 ** (8 * size) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `Probe field ${name} does not fit`, {
      expected: `an integer in 0..${max}`,
      found: value,
    });
  }
  return value;
}

function writeLayout(bytes: Uint8Array, offset: number, layout: Uint8Array): void {
  if (layout.length !== LAYOUT_BYTES) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'Probe field bmLayoutPerStream', {
      expected: `${LAYOUT_BYTES} bytes`,
      found: `${layout.length} bytes`,
    });
  }
  bytes.set(layout, offset);
}

function readUint(bytes: Uint8Array, offset: number, size: 1 | 2 | 4): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + (bytes[offset + i] ?? 0);
  return value;
}

function writeUint(bytes: Uint8Array, offset: number, size: 1 | 2 | 4, value: number): void {
  let rest = value;
  for (let i = 0; i < size; i++) {
    bytes[offset + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}
