/**
 * Recover descriptor bytes from a UsbTreeView report.
 *
 * UsbTreeView (Uwe Sieber's "USB Device Tree Viewer" for Windows) prints every descriptor as
 * decoded fields followed by a `Data (HexDump)` field: 16 bytes a line in upper-case hex, an
 * ASCII column to the right, continuation lines indented to the hex column. Sections open with
 * a dashed heading such as `---- Configuration Descriptor ----`. The Configuration Descriptor
 * section's own dump holds the whole configuration (wTotalLength bytes); when a report holds
 * only the 9-byte header there, the configuration is rebuilt from the dumps of the descriptor
 * sections nested under it, in order.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import { hexNumber, readU16LE, readU8 } from './bytes.js';
import { USB_DT } from './constants.js';

/** The descriptor bytes found in a UsbTreeView report. */
export interface UsbTreeViewDescriptors {
  /** The device descriptor (18 bytes), when the report has one. */
  device?: Uint8Array;
  /** The configuration descriptor and everything it contains: wTotalLength bytes. */
  configuration: Uint8Array;
  /** The other-speed configuration, when the report has one (high-speed devices). */
  otherSpeedConfiguration?: Uint8Array;
}

/** Section names, as UsbTreeView prints them between the dashes. */
const SECTION = {
  DEVICE: 'Device Descriptor',
  CONFIGURATION: 'Configuration Descriptor',
  OTHER_SPEED: 'Other Speed Configuration Descriptor',
} as const;

/** Sections that end a configuration even when indented deeper than it (string descriptors). */
const STRING_SECTION = /^String Descriptor/;

/** A section heading: dashes, a name, dashes. */
const HEADING = /^(\s*)-{3,}\s*(.*?)\s*-{3,}\s*$/;

/** The field that opens a hex dump. */
const DUMP_FIELD = /^Data \(HexDump\)\s*:(.*)$/;

/** A continuation line of a hex dump: deep indentation, then hex pairs. */
const DUMP_CONTINUATION = /^\s{8,}([0-9A-Fa-f]{2}(?: [0-9A-Fa-f]{2})*)(?:\s{2,}.*)?$/;

/** Hex pairs at the start of a dump line, one space apart; the ASCII column is 2+ spaces away. */
const DUMP_BYTES = /^([0-9A-Fa-f]{2}(?: [0-9A-Fa-f]{2})*)/;

/** Bytes printed on one dump line. */
const BYTES_PER_LINE = 16;

/**
 * Headings and dump lines are under 120 characters; longer lines are neither, and are not
 * handed to the patterns above (which would backtrack for long on a long line of dashes).
 */
const MAX_LINE_LENGTH = 256;

/** Field offsets shared by the device and configuration descriptor headers (USB 2.0 §9.6). */
const CONFIG_HEADER = { LENGTH: 9, bLength: 0, bDescriptorType: 1, wTotalLength: 2 } as const;

/** One dashed section of the report with the first hex dump inside it. */
interface Section {
  indent: number;
  name: string;
  dump?: Uint8Array;
}

/**
 * Recover the exact descriptor bytes from the text of a UsbTreeView report.
 *
 * @param text - the whole report (or the part from the Device Descriptor on).
 * @returns the configuration bytes, and the device and other-speed configuration bytes when
 *   the report has them.
 * @throws CameraError INVALID_ARGUMENT when the text is not a UsbTreeView report with a
 *   Configuration Descriptor hex dump, or when the dumps do not add up to wTotalLength.
 */
export function parseUsbTreeViewReport(text: string): UsbTreeViewDescriptors {
  if (typeof text !== 'string') {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'A UsbTreeView report must be text', {
      expected: 'a string',
      found: typeof text,
    });
  }
  const sections = readSections(text);

  const configuration = configurationBytes(sections, SECTION.CONFIGURATION, USB_DT.CONFIGURATION);
  if (configuration === undefined) {
    const found =
      sections.length === 0
        ? 'no dashed section headings'
        : `${sections.length} sections, none a configuration with a hex dump`;
    const expected = `a "---- ${SECTION.CONFIGURATION} ----" section with a "Data (HexDump)" field`;
    const message = 'The text is not a UsbTreeView report';
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, { expected, found });
  }

  const result: UsbTreeViewDescriptors = { configuration };
  const device = sections.find((section) => section.name === SECTION.DEVICE)?.dump;
  if (device !== undefined && readU8(device, CONFIG_HEADER.bDescriptorType) === USB_DT.DEVICE) {
    result.device = device;
  }
  const otherSpeedType = USB_DT.OTHER_SPEED_CONFIGURATION;
  const otherSpeed = configurationBytes(sections, SECTION.OTHER_SPEED, otherSpeedType);
  if (otherSpeed !== undefined) result.otherSpeedConfiguration = otherSpeed;
  return result;
}

/** Split the report into dashed sections, keeping the first hex dump of each. */
function readSections(text: string): Section[] {
  const lines = text.split(/\r?\n/);
  const sections: Section[] = [];
  let current: Section | undefined;

  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (line.length > MAX_LINE_LENGTH) continue;
    const heading = HEADING.exec(line);
    if (heading !== null) {
      current = { indent: (heading[1] ?? '').length, name: heading[2] ?? '' };
      sections.push(current);
      continue;
    }

    const field = DUMP_FIELD.exec(line);
    if (field === null || current === undefined) continue;
    const bytes = dumpLineBytes((field[1] ?? '').trim());
    while (index + 1 < lines.length) {
      const next = lines[index + 1] ?? '';
      const continuation = next.length > MAX_LINE_LENGTH ? null : DUMP_CONTINUATION.exec(next);
      if (continuation === null) break;
      bytes.push(...dumpLineBytes(continuation[1] ?? ''));
      index += 1;
    }
    if (current.dump === undefined) current.dump = Uint8Array.from(bytes);
  }
  return sections;
}

/** The bytes at the start of one dump line (at most 16; the ASCII column is ignored). */
function dumpLineBytes(line: string): number[] {
  const match = DUMP_BYTES.exec(line);
  if (match === null) return [];
  return (match[1] ?? '')
    .split(' ')
    .slice(0, BYTES_PER_LINE)
    .map((pair) => parseInt(pair, 16));
}

/**
 * The bytes of the configuration in section `name`: its own dump when that holds wTotalLength
 * bytes, otherwise its header followed by the dumps of the sections nested under it.
 */
function configurationBytes(
  sections: Section[],
  name: string,
  descriptorType: number,
): Uint8Array | undefined {
  const start = sections.findIndex((section) => section.name === name && section.dump);
  const header = sections[start];
  if (header?.dump === undefined) return undefined;
  const dump = header.dump;
  const foundType = readU8(dump, CONFIG_HEADER.bDescriptorType);
  if (dump.length < CONFIG_HEADER.LENGTH || foundType !== descriptorType) {
    const message = `The ${name} hex dump of the UsbTreeView report is not a configuration`;
    const type = hexNumber(descriptorType);
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: `at least ${CONFIG_HEADER.LENGTH} bytes starting with bDescriptorType ${type}`,
      found: `${dump.length} bytes, bDescriptorType ${hexNumber(foundType)}`,
    });
  }

  const wTotalLength = readU16LE(dump, CONFIG_HEADER.wTotalLength);
  if (dump.length >= wTotalLength) return dump;

  // Rebuild from the header's own bLength bytes and the nested descriptor dumps.
  const parts: number[] = [...dump.subarray(0, readU8(dump, CONFIG_HEADER.bLength))];
  for (const section of sections.slice(start + 1)) {
    const outside = section.indent <= header.indent || STRING_SECTION.test(section.name);
    if (outside || parts.length >= wTotalLength) break;
    for (const byte of section.dump ?? []) parts.push(byte);
  }
  if (parts.length !== wTotalLength) {
    const message = `The ${name} of the UsbTreeView report is incomplete`;
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: `wTotalLength ${wTotalLength} bytes of hex dumps`,
      found: `${Math.max(dump.length, parts.length)} bytes`,
    });
  }
  return Uint8Array.from(parts);
}
