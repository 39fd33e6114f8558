/**
 * Emulated cameras from descriptor files (Node only: it reads files).
 *
 * Three kinds of file are understood:
 *
 * - raw descriptor bytes: a configuration (`NAME.config.bin` or any file starting with a
 *   configuration descriptor), with `NAME.device.bin` and `NAME.other_speed_config.bin`
 *   beside it used when present; a device descriptor file (`NAME.device.bin`) also works and
 *   finds its configuration beside it;
 * - a UsbTreeView report (text with `Data (HexDump)` lines), whose device and configuration
 *   dumps are read by `uvc/usbtreeview.ts`, and whose string descriptors (`Language 0x0409 :
 *   "…"` under an `i…` field) become the camera's strings;
 * - an `lsusb -v` dump, whose printed fields `uvc/lsusb.ts` turns back into descriptor bytes
 *   (with a note for every byte lsusb never printed).
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import { readBoundedFile } from './files.js';
import { USB_DT } from '../uvc/constants.js';
import { isLsusbReport, parseLsusbReport } from '../uvc/lsusb.js';
import { parseUsbTreeViewReport } from '../uvc/usbtreeview.js';
import { EmulatedCamera, type EmulatedCameraOptions } from './emulated.js';

/** Descriptor bytes (and strings) read from a file. */
export interface DescriptorFiles {
  configuration: Uint8Array;
  device?: Uint8Array;
  otherSpeedConfiguration?: Uint8Array;
  strings?: Record<number, string>;
  /** What could not be rebuilt exactly (lsusb dumps), one sentence each. */
  notes?: string[];
}

/** Options of {@link loadEmulatedCamera}: everything but the descriptors. */
export type LoadEmulatedCameraOptions = Omit<
  EmulatedCameraOptions,
  'configuration' | 'device' | 'otherSpeedConfiguration'
>;

/** The largest file accepted: descriptors are at most 64 KiB, reports a few hundred KiB. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** File name endings of the raw descriptor family. */
const SUFFIX = {
  CONFIG: '.config.bin',
  DEVICE: '.device.bin',
  OTHER_SPEED: '.other_speed_config.bin',
  BIN: '.bin',
} as const;

/** A device descriptor is 18 bytes; configurations start with a 9-byte header. */
const DEVICE_DESCRIPTOR_LENGTH = 18;
const CONFIG_HEADER_LENGTH = 9;

/** UsbTreeView prints each descriptor's bytes after this field name. */
const USBTREEVIEW_MARK = 'Data (HexDump)';

/** A string field (`iProduct : 0x02 …`) followed by its US-English text on the next line. */
const USBTREEVIEW_STRING =
  /^\s*i[A-Za-z]+\s*:\s*0x([0-9A-Fa-f]{1,2})\b[^\n]*\r?\n\s*Language 0x0409\s*:\s*"([^"\n]*)"/gm;

function readLimited(path: string): Promise<Uint8Array> {
  return readBoundedFile(path, MAX_FILE_BYTES, 'descriptor file');
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readLimited(path);
  } catch {
    return undefined;
  }
}

/** The path of `NAME.config.bin` (or `NAME.bin`) with another ending. */
function sibling(path: string, suffix: string): string {
  for (const ending of [SUFFIX.CONFIG, SUFFIX.DEVICE, SUFFIX.OTHER_SPEED, SUFFIX.BIN]) {
    if (path.endsWith(ending)) return path.slice(0, -ending.length) + suffix;
  }
  return path + suffix;
}

function isConfiguration(bytes: Uint8Array): boolean {
  const header = bytes[0] === CONFIG_HEADER_LENGTH && bytes[1] === USB_DT.CONFIGURATION;
  return bytes.length >= CONFIG_HEADER_LENGTH && header;
}

function isDevice(bytes: Uint8Array): boolean {
  const header = bytes[0] === DEVICE_DESCRIPTOR_LENGTH && bytes[1] === USB_DT.DEVICE;
  return bytes.length === DEVICE_DESCRIPTOR_LENGTH && header;
}

/** The strings a UsbTreeView report shows under its `i…` fields, by index. */
export function usbTreeViewStrings(text: string): Record<number, string> {
  const strings: Record<number, string> = {};
  for (const match of text.matchAll(USBTREEVIEW_STRING)) {
    const index = parseInt(match[1] ?? '0', 16);
    if (index > 0 && strings[index] === undefined) strings[index] = match[2] ?? '';
  }
  return strings;
}

/**
 * Read the descriptors in a file: raw bytes (with their siblings) or a UsbTreeView report.
 *
 * @throws CameraError INVALID_ARGUMENT when the file cannot be read or holds neither.
 */
export async function loadDescriptorFile(path: string): Promise<DescriptorFiles> {
  const bytes = await readLimited(path);

  if (isConfiguration(bytes)) {
    const device = await readIfPresent(sibling(path, SUFFIX.DEVICE));
    const otherSpeed = path.endsWith(SUFFIX.OTHER_SPEED)
      ? undefined
      : await readIfPresent(sibling(path, SUFFIX.OTHER_SPEED));
    return {
      configuration: bytes,
      ...(device && isDevice(device) ? { device } : {}),
      ...(otherSpeed ? { otherSpeedConfiguration: otherSpeed } : {}),
    };
  }

  if (isDevice(bytes)) {
    const configPath = sibling(path, SUFFIX.CONFIG);
    const configuration = await readIfPresent(configPath);
    if (configuration && isConfiguration(configuration)) {
      return { ...(await loadDescriptorFile(configPath)), device: bytes };
    }
    const message = `${path} is a device descriptor without a configuration beside it`;
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: configPath,
      found: 'no such file',
    });
  }

  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes(USBTREEVIEW_MARK)) {
    const report = parseUsbTreeViewReport(text);
    const strings = usbTreeViewStrings(text);
    return {
      configuration: report.configuration,
      ...(report.device ? { device: report.device } : {}),
      ...(report.otherSpeedConfiguration
        ? { otherSpeedConfiguration: report.otherSpeedConfiguration }
        : {}),
      ...(Object.keys(strings).length > 0 ? { strings } : {}),
    };
  }

  if (isLsusbReport(text)) {
    const report = parseLsusbReport(text);
    return {
      configuration: report.configuration,
      ...(report.device ? { device: report.device } : {}),
      ...(Object.keys(report.strings).length > 0 ? { strings: report.strings } : {}),
      notes: report.notes,
    };
  }

  const message = `${path} holds no descriptor bytes webuvc can read`;
  throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
    expected: 'a raw configuration descriptor (.bin), a UsbTreeView report or an lsusb -v dump',
    found: `${bytes.length} bytes of something else`,
  });
}

/**
 * An emulated camera built from a descriptor file (see {@link loadDescriptorFile}).
 *
 * @throws CameraError INVALID_ARGUMENT when the file cannot be read; DEVICE_DISABLED when its
 *   descriptors do not describe a camera.
 */
export async function loadEmulatedCamera(
  path: string,
  options: LoadEmulatedCameraOptions = {},
): Promise<EmulatedCamera> {
  const files = await loadDescriptorFile(path);
  return new EmulatedCamera({
    ...options,
    configuration: files.configuration,
    ...(files.device ? { device: files.device } : {}),
    ...(files.otherSpeedConfiguration
      ? { otherSpeedConfiguration: files.otherSpeedConfiguration }
      : {}),

    strings: { ...(files.strings ?? {}), ...(options.strings ?? {}) },
  });
}
