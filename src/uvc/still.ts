/**
 * Still images: the still probe/commit structure (UVC 1.5 §4.3.1.2), the still image trigger
 * (§4.3.1.4), the capture methods (§2.4.2.4) and the still sizes a format offers
 * (VS_STILL_IMAGE_FRAME, §3.9.2.5).
 *
 * - Method 1: the host takes a frame of the running video stream; nothing is negotiated.
 * - Method 2: the host negotiates a still format and size, then triggers; the camera
 *   interrupts the video stream with one still image whose payloads have STI set.
 * - Method 3: as method 2, but the image travels on a dedicated bulk still-image endpoint.
 *
 * Nothing here does I/O.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import { readU32LE } from './bytes.js';
import type { FormatDescriptor, VideoStreamingInterface } from './model.js';

/** Offsets of the still probe/commit structure (UVC 1.5 §4.3.1.2, Table 4-77). */
export const STILL_PROBE = {
  bFormatIndex: 0,
  bFrameIndex: 1,
  bCompressionIndex: 2,
  dwMaxVideoFrameSize: 3,
  dwMaxPayloadTransferSize: 7,
  LENGTH: 11,
} as const;

/** The still probe/commit structure (UVC 1.5 §4.3.1.2). */
export interface StillProbeControl {
  bFormatIndex: number;
  /** One-based index into the format's still image sizes. */
  bFrameIndex: number;
  /** One-based index into the compression patterns, 0 when the format lists none. */
  bCompressionIndex: number;
  dwMaxVideoFrameSize: number;
  dwMaxPayloadTransferSize: number;
}

/** Encode the 11-byte still probe/commit structure. */
export function encodeStillProbe(probe: StillProbeControl): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(STILL_PROBE.LENGTH);
  const view = new DataView(bytes.buffer);
  bytes[STILL_PROBE.bFormatIndex] = probe.bFormatIndex;
  bytes[STILL_PROBE.bFrameIndex] = probe.bFrameIndex;
  bytes[STILL_PROBE.bCompressionIndex] = probe.bCompressionIndex;
  view.setUint32(STILL_PROBE.dwMaxVideoFrameSize, probe.dwMaxVideoFrameSize >>> 0, true);
  view.setUint32(STILL_PROBE.dwMaxPayloadTransferSize, probe.dwMaxPayloadTransferSize >>> 0, true);
  return bytes;
}

/**
 * Decode a still probe/commit answer.
 *
 * @throws CameraError SERVICE_FATAL_ERROR when the answer is shorter than 11 bytes.
 */
export function decodeStillProbe(bytes: Uint8Array): StillProbeControl {
  if (bytes.length < STILL_PROBE.LENGTH) {
    throw new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, 'still probe answer too short', {
      expected: `${STILL_PROBE.LENGTH} bytes`,
      found: `${bytes.length} bytes`,
    });
  }
  return {
    bFormatIndex: bytes[STILL_PROBE.bFormatIndex] ?? 0,
    bFrameIndex: bytes[STILL_PROBE.bFrameIndex] ?? 0,
    bCompressionIndex: bytes[STILL_PROBE.bCompressionIndex] ?? 0,
    dwMaxVideoFrameSize: readU32LE(bytes, STILL_PROBE.dwMaxVideoFrameSize),
    dwMaxPayloadTransferSize: readU32LE(bytes, STILL_PROBE.dwMaxPayloadTransferSize),
  };
}

/** One still image size a format offers. */
export interface StillSize {
  /** One-based index among the format's still sizes (bFrameIndex of the still probe). */
  bFrameIndex: number;
  wWidth: number;
  wHeight: number;
  /** The bulk still-image endpoint of the descriptor (0 for method 2). */
  bEndpointAddress: number;
  /** Compression patterns of the descriptor (bCompression). */
  bCompression: readonly number[];
}

/**
 * The still sizes of `format`, indexed as the still probe numbers them: the format's
 * VS_STILL_IMAGE_FRAME descriptor, or the interface's when the format has none.
 */
export function stillSizes(vs: VideoStreamingInterface, format: FormatDescriptor): StillSize[] {
  const descriptors = format.stillFrames.length > 0 ? format.stillFrames : vs.stillFrames;
  const sizes: StillSize[] = [];
  for (const descriptor of descriptors) {
    for (const size of descriptor.sizes) {
      sizes.push({
        bFrameIndex: sizes.length + 1,
        wWidth: size.wWidth,
        wHeight: size.wHeight,
        bEndpointAddress: descriptor.bEndpointAddress,
        bCompression: descriptor.bCompression,
      });
    }
  }
  return sizes;
}

/** The bulk still-image endpoint of a method 3 interface (UVC 1.5 §3.9.2.5), or 0. */
export function stillEndpointAddress(vs: VideoStreamingInterface): number {
  const descriptors = [...vs.formats.flatMap((format) => format.stillFrames), ...vs.stillFrames];
  return descriptors.find((descriptor) => descriptor.bEndpointAddress !== 0)?.bEndpointAddress ?? 0;
}

/** Bytes an uncompressed still of this size takes; undefined for compressed formats. */
export function uncompressedStillSize(
  format: FormatDescriptor,
  size: { wWidth: number; wHeight: number },
): number | undefined {
  if (format.kind !== 'uncompressed' || !format.bBitsPerPixel) return undefined;
  return Math.ceil((size.wWidth * size.wHeight * format.bBitsPerPixel) / 8);
}
