/**
 * Cameras from bug reports: descriptor bytes rebuilt from the text of `lsusb -v`.
 *
 * People describe their camera with `lsusb -v`, which prints decoded fields, not bytes. The
 * fields are enough to rebuild the device descriptor and the configuration byte for byte in
 * almost every case, because lsusb prints the descriptors in wire order (it walks libusb's
 * `extra` buffers without reordering) and prints the bytes it cannot decode in hex
 * (`INTERFACE CLASS:`, `** UNRECOGNIZED:`, `Invalid desc subtype:`, `junk at descriptor end:`),
 * which are used as they are. lsusb warns "Descriptor too short" on every correct 11-byte
 * UVC 1.0 processing unit and then prints a bmVideoStandards byte that belongs to the next
 * descriptor: the printed bLength decides, so such units come out exact.
 *
 * What lsusb hides or garbles, and how it is handled (each case adds a sentence to
 * {@link LsusbDescriptors.notes}):
 *
 * - GUID byte order: old lsusb prints GUIDs in wire order (`{59555932-0000-1000-…}` for
 *   YUY2), newer lsusb in string order (`{32595559-0000-0010-…}`). The order is read from the
 *   dump's format GUIDs (the FOURCC and DirectShow families fit one reading only) and applies
 *   to every GUID of the dump; without a format GUID the print style decides (noted).
 * - The class-specific VideoControl interrupt endpoint (5 bytes, UVC 1.5 §3.8.2.2) is not
 *   printed by older lsusb. Where the printed wTotalLength leaves room for it after a
 *   VideoControl interrupt endpoint, it is rebuilt with wMaxTransferSize = wMaxPacketSize.
 * - Old lsusb printed the byte after a VS input/output header for every bmaControls(n). When
 *   every value equals that byte the bitmaps are set to 0. No lsusb prints more than the first
 *   byte of each bitmap.
 * - A camera terminal's or processing unit's bmControls is printed as one number of its last
 *   three bytes: longer bitmaps lose their first bytes.
 * - Old lsusb prints no wBytesPerInterval in SuperSpeed companions: taken as the endpoint's
 *   full bandwidth for periodic endpoints, 0 otherwise.
 * - A dump made on a big-endian host by an lsusb that did not swap libusb's 16-bit fields
 *   (wTotalLength 60675 for 1005) is recognised by its wTotalLength and swapped back.
 * - Class descriptors without a layout here (USB Audio 2.0, MIDI, CDC, …) become placeholders
 *   of their printed bLength; bytes wTotalLength counts but no line shows (lsusb stops quietly
 *   at a descriptor with bLength 0 or 1) become placeholder descriptors at the end, so
 *   wTotalLength and bNumInterfaces stay as printed.
 *
 * lsusb groups alternate settings by interface number (libusb's view); a device that
 * interleaves the alternate settings of two interfaces would come out reordered.
 *
 * Nothing here does I/O or uses Node APIs.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import { CC_VIDEO, SC } from './constants.js';
import { hexNumber } from './bytes.js';
import { DIRECTSHOW_GUID_SUFFIX, FOURCC_GUID_SUFFIX, guidToString } from './guids.js';
import {
  type BuiltDescriptor,
  type GuidOrder,
  type LayoutContext,
  VC_INTERRUPT_ENDPOINT_LENGTH,
  buildDescriptor,
  describeBlock,
  swapBytes16,
  unswap,
  vcInterruptEndpoint,
} from './lsusb-layouts.js';
import {
  type LsusbBlock,
  type LsusbConfiguration,
  type LsusbDevice,
  parseBcd,
  parseGuidText,
  parseInteger,
  parseMaxPacketSize,
  readLsusbText,
} from './lsusb-text.js';
import type { UsbTreeViewDescriptors } from './usbtreeview.js';

/** The descriptor bytes rebuilt from an lsusb dump. */
export interface LsusbDescriptors extends UsbTreeViewDescriptors {
  /**
   * What is not exact or was guessed, one sentence each (empty when every byte came from the
   * dump). lsusb never prints an other-speed configuration, so
   * {@link UsbTreeViewDescriptors.otherSpeedConfiguration} is always absent.
   */
  notes: string[];
  /**
   * The strings lsusb showed beside string indices (`iProduct  2 HD Pro Webcam C920` gives
   * 2 → "HD Pro Webcam C920"), including placeholders such as `<SERIAL>`; strings lsusb could
   * not read (`(error)`) are left out.
   */
  strings: Record<number, string>;
}

/** Configuration header offsets (USB 2.0 §9.6.3). */
const CONFIG = { LENGTH: 9, wTotalLength: 2, bNumInterfaces: 4 } as const;

/** A configuration holds at most 65535 bytes (wTotalLength is 16 bits). */
const MAX_CONFIGURATION_BYTES = 0xffff;

/**
 * Placeholders for bytes wTotalLength counts but the dump does not show: a descriptor type no
 * USB or class specification assigns (hosts skip descriptors of unknown type).
 */
const FILLER = { DESCRIPTOR_TYPE: 0xff, MIN_LENGTH: 2, MAX_LENGTH: 0xff } as const;

/** A GUID in string form: 32 hex digits and 4 dashes. */
const GUID_STRING_LENGTH = 36;

/** Endpoint bmAttributes transfer type and wMaxPacketSize size bits (USB 2.0 Table 9-13). */
const TRANSFER_TYPE_MASK = 0x03;
const TRANSFER_INTERRUPT = 0x03;
const PACKET_SIZE_MASK = 0x7ff;

/** Headings that mark the dump as lsusb's. */
const LSUSB_HEADING = /^[ \t>]*(?:Device|Configuration) Descriptor:[ \t]*\r?$/m;
const LSUSB_FIELD = /^[ \t>]*bLength[ \t]+\d+[ \t]*\r?$/m;

/** String fields lsusb follows with the text: `iProduct  2 HD Pro Webcam C920`. */
const STRING_FIELD = /^i[A-Z]/;
const UNREADABLE_STRING = '(error)';

/** One rebuilt descriptor in configuration order. */
interface Part {
  block?: LsusbBlock;
  built: BuiltDescriptor;
}

/**
 * True when `text` looks like `lsusb -v` output: a `Device Descriptor:` or `Configuration
 * Descriptor:` heading and lsusb's `bLength  N` field lines.
 */
export function isLsusbReport(text: unknown): boolean {
  return typeof text === 'string' && LSUSB_HEADING.test(text) && LSUSB_FIELD.test(text);
}

/**
 * Rebuild the device descriptor and the configuration of a camera from `lsusb -v` text.
 *
 * When the text holds several devices, the first with a video interface is used (otherwise
 * the first with a configuration); of several configurations, the first. A dump cut short
 * gives the descriptors before the cut, with a note; a descriptor whose fields are missing in
 * the middle of the text is rebuilt with 0 in their place, with a note.
 *
 * @param text - the output of `lsusb -v` (or `lsusb -v -d VID:PID`), as pasted.
 * @returns the configuration bytes (wTotalLength bytes), the device descriptor when printed,
 *   the strings shown, and notes on every byte that could not be rebuilt exactly.
 * @throws CameraError INVALID_ARGUMENT when the text is not an lsusb dump, has no
 *   configuration, or prints a value that does not fit its field.
 */
export function parseLsusbReport(text: string): LsusbDescriptors {
  if (typeof text !== 'string') {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'An lsusb -v dump must be text', {
      expected: 'a string',
      found: typeof text,
    });
  }
  const devices = readLsusbText(text);
  if (devices.length === 0) throw notLsusb(text);

  const device = chooseDevice(devices);
  const configuration = device?.configurations[0];
  if (device === undefined || configuration === undefined) {
    const message = 'The lsusb -v dump has no configuration';
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: 'a "Configuration Descriptor:" section with its interfaces',
      found: `${devices.length} device(s) without one`,
    });
  }

  const notes: string[] = [];
  if (devices.length > 1) {
    const used = device.title ?? 'the first camera';
    notes.push(`The dump holds ${devices.length} devices; used ${used}.`);
  }
  if (device.configurations.length > 1) {
    notes.push(`The device has ${device.configurations.length} configurations; used the first.`);
  }

  const blocks = configuration.blocks;
  const all = [...(device.device ? [device.device] : []), ...blocks];
  const newStyle = isNewStyle(all);
  const context: LayoutContext = { guidOrder: chooseGuidOrder(blocks, newStyle, notes), newStyle };
  const bcdUSB = device.device ? parseBcd(fieldText(device.device, 'bcdUSB')) : undefined;
  if (bcdUSB !== undefined) context.bcdUSB = bcdUSB;

  const result: LsusbDescriptors = {
    configuration: assembleConfiguration(configuration, context, notes),
    notes,
    strings: readStrings(all),
  };
  const deviceBytes = device.device ? buildDevice(device.device, context, notes) : undefined;
  if (deviceBytes !== undefined) result.device = deviceBytes;
  return result;
}

/** The error for text that is not an lsusb dump, saying what it looks like instead. */
function notLsusb(text: string): CameraError {
  let lines = text.length === 0 ? 0 : 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines += 1;
  let found = `${lines} line(s) without "Device Descriptor:" or "Configuration Descriptor:"`;
  if (text.includes('Data (HexDump)')) found = 'a UsbTreeView report (use parseUsbTreeViewReport)';
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'The text is not an lsusb -v dump', {
    expected: 'lsusb -v output with a "Device Descriptor:" or "Configuration Descriptor:" heading',
    found,
  });
}

/** The first device with a video interface, else the first with a configuration. */
function chooseDevice(devices: LsusbDevice[]): LsusbDevice | undefined {
  const configured = devices.filter((device) => device.configurations.length > 0);
  const video = configured.find((device) =>
    (device.configurations[0]?.blocks ?? []).some(
      (block) => block.kind === 'interface' && fieldInteger(block, 'bInterfaceClass') === CC_VIDEO,
    ),
  );
  return video ?? configured[0];
}

/**
 * True when the dump shows the print style of newer lsusb: hex wTotalLength, endpoint
 * addresses decoded in VS headers, class-specific VC endpoints or wBytesPerInterval printed.
 */
function isNewStyle(blocks: LsusbBlock[]): boolean {
  return blocks.some(
    (block) =>
      block.kind === 'videoControlEndpoint' ||
      block.fields.some(
        (field) =>
          (field.name === 'wTotalLength' && field.value.startsWith('0x')) ||
          // Old lsusb prints the endpoint of VS headers and still frames in decimal.
          (block.kind === 'videoStreaming' &&
            field.name === 'bEndpointAddress' &&
            field.value.startsWith('0x')) ||
          field.name === 'wBytesPerInterval' ||
          field.name === 'bNumControls',
      ),
  );
}

/**
 * Decide how the dump prints GUIDs from its format GUIDs: a FOURCC-style or DirectShow GUID
 * belongs to its family in one reading only. Without such a GUID, the print style decides.
 */
function chooseGuidOrder(blocks: LsusbBlock[], newStyle: boolean, notes: string[]): GuidOrder {
  let wire = 0;
  let string = 0;
  let guids = 0;
  for (const block of blocks) {
    for (const field of block.fields) {
      const printed = parseGuidText(field.value);
      if (printed === undefined) continue;
      guids += 1;
      if (!/^guid(?:Format|StrideFormat)$/.test(field.name)) continue;
      if (isKnownFamily(guidToString(Uint8Array.from(printed)))) wire += 1;
      if (isKnownFamily(field.value.replace(/[{}]/g, '').trim().toLowerCase())) string += 1;
    }
  }
  if (wire !== string) return wire > string ? 'wire' : 'string';

  const order: GuidOrder = newStyle ? 'string' : 'wire';
  if (guids > 0) {
    const assumed = order === 'wire' ? 'wire order (old lsusb)' : 'string order (newer lsusb)';
    notes.push(
      `No format GUID shows which byte order this lsusb prints GUIDs in; assumed ${assumed} from its print style.`,
    );
  }
  return order;
}

/** True for a GUID string of the FOURCC or DirectShow format families. */
function isKnownFamily(guid: string): boolean {
  if (guid.length !== GUID_STRING_LENGTH) return false;
  return guid.endsWith(FOURCC_GUID_SUFFIX) || guid.endsWith(DIRECTSHOW_GUID_SUFFIX);
}

/** The device descriptor, or undefined (with a note) when the dump lacks some of its fields. */
function buildDevice(
  block: LsusbBlock,
  context: LayoutContext,
  notes: string[],
): Uint8Array | undefined {
  const built = buildDescriptor(block, context);
  if (built === undefined) return undefined;
  if (built.missing.length > 0) {
    notes.push(`The device descriptor lacks ${built.missing.join(', ')}; left it out.`);
    return undefined;
  }
  notes.push(...built.notes);
  return built.bytes;
}

// ------------------------------------------------------------------------------------------
// The configuration.

/**
 * Rebuild every descriptor of the configuration, add what lsusb leaves out, then write the
 * header with the final length.
 */
function assembleConfiguration(
  configuration: LsusbConfiguration,
  base: LayoutContext,
  notes: string[],
): Uint8Array {
  const [header, ...rest] = configuration.blocks;
  if (header === undefined) {
    const message = 'The lsusb -v dump has an empty configuration';
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: 'a "Configuration Descriptor:" block',
      found: 'none',
    });
  }
  const printedTotal = fieldInteger(header, 'wTotalLength');

  let context: LayoutContext = { ...base };
  let built = buildParts(rest, context);
  if (printedTotal !== undefined && wordsLookSwapped(printedTotal, built.parts)) {
    context = { ...base, swappedWords: true };
    built = buildParts(rest, context);
    const swapped = swapBytes16(printedTotal);
    notes.push(
      `wTotalLength ${printedTotal} only fits as ${swapped}: the dump was made on a big-endian host whose lsusb did not swap 16-bit fields; swapped wTotalLength and every wMaxPacketSize back.`,
    );
  }
  notes.push(...built.notes);
  const parts = built.parts;

  const headerBuilt = buildDescriptor(header, context);
  if (headerBuilt === undefined || headerBuilt.missing.length > 0) {
    const missing = headerBuilt?.missing.join(', ') ?? 'bLength';
    const message = 'The configuration descriptor of the lsusb -v dump is incomplete';
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: 'wTotalLength, bNumInterfaces, bConfigurationValue, bmAttributes and MaxPower',
      found: `no ${missing} (line ${header.line})`,
    });
  }
  notes.push(...headerBuilt.notes);

  const expectedTotal = unswap(printedTotal, context);
  if (expectedTotal !== undefined) {
    let room = expectedTotal - totalLength(parts);
    room -= insertHiddenEndpoints(parts, room, context, notes);
    const whole = configuration.complete && !built.cut;
    if (room > 0 && whole) addFiller(parts, room, notes);
  }
  return joinConfiguration(headerBuilt.bytes, parts, expectedTotal, notes);
}

function tooLarge(total: number): CameraError {
  const message = 'The lsusb -v dump describes a configuration too large for USB';
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
    expected: `at most ${MAX_CONFIGURATION_BYTES} bytes`,
    found: `${total} bytes or more`,
  });
}

/** Bytes of the configuration: the 9-byte header and every part. */
function totalLength(parts: Part[]): number {
  return parts.reduce<number>((sum, part) => sum + part.built.bytes.length, CONFIG.LENGTH);
}

/**
 * Build each block in order, tracking the interface and endpoint it follows. A last block with
 * missing fields is where a cut dump ends: it is dropped (`cut`).
 */
function buildParts(
  blocks: LsusbBlock[],
  base: LayoutContext,
): { parts: Part[]; notes: string[]; cut: boolean } {
  // TODO: lsusb prints alternate settings grouped by interface (libusb's view); a device that
  // interleaves the alternate settings of two interfaces comes out reordered.
  const parts: Part[] = [];
  const notes: string[] = [];
  const context: LayoutContext = { ...base };
  let cut = false;
  let total = CONFIG.LENGTH;
  blocks.forEach((block, index) => {
    const built = buildDescriptor(block, context);
    if (built === undefined) {
      notes.push(`${describeBlock(block)} was printed without a usable bLength; left it out.`);
      return;
    }
    // Stop before building more than a configuration can hold.
    total += built.bytes.length;
    if (total > MAX_CONFIGURATION_BYTES) throw tooLarge(total);
    if (built.missing.length > 0) {
      const missing = built.missing.join(', ');
      if (index === blocks.length - 1) {
        notes.push(`The dump ends inside ${describeBlock(block)} (no ${missing}); left it out.`);
        cut = true;
        return;
      }
      notes.push(`${describeBlock(block)} lacks ${missing}; set to 0.`);
    }
    notes.push(...built.notes);
    parts.push({ block, built });
    track(block, context);
  });
  return { parts, notes, cut };
}

/** Remember the interface and endpoint later blocks belong to. */
function track(block: LsusbBlock, context: LayoutContext): void {
  if (block.kind === 'interface') {
    setOrDelete(context, 'interfaceClass', fieldInteger(block, 'bInterfaceClass'));
    setOrDelete(context, 'interfaceSubClass', fieldInteger(block, 'bInterfaceSubClass'));
    setOrDelete(context, 'interfaceProtocol', fieldInteger(block, 'bInterfaceProtocol'));
  }
  if (block.kind === 'endpoint') {
    setOrDelete(context, 'endpointAttributes', fieldInteger(block, 'bmAttributes'));
    setOrDelete(context, 'endpointMaxPacketSize', packetSize(block, context));
  }
}

/** The context fields that follow the interface and endpoint blocks. */
type TrackedKey =
  | 'interfaceClass'
  | 'interfaceSubClass'
  | 'interfaceProtocol'
  | 'endpointAttributes'
  | 'endpointMaxPacketSize';

function setOrDelete(context: LayoutContext, key: TrackedKey, value: number | undefined): void {
  if (value === undefined) delete context[key];
  else context[key] = value;
}

/** An endpoint's wMaxPacketSize as the device sent it. */
function packetSize(block: LsusbBlock, context: LayoutContext): number | undefined {
  const field = block.fields.find((candidate) => candidate.name === 'wMaxPacketSize');
  return unswap(parseMaxPacketSize(field?.value ?? ''), context);
}

/** VideoControl interrupt endpoints without a printed class-specific endpoint after them. */
function hiddenEndpointSlots(parts: Part[]): Array<{ index: number; endpoint: LsusbBlock }> {
  const slots: Array<{ index: number; endpoint: LsusbBlock }> = [];
  let videoControl = false;
  parts.forEach((part, index) => {
    const block = part.block;
    if (block?.kind === 'interface') {
      videoControl =
        fieldInteger(block, 'bInterfaceClass') === CC_VIDEO &&
        fieldInteger(block, 'bInterfaceSubClass') === SC.VIDEOCONTROL;
    }
    if (!videoControl || block?.kind !== 'endpoint') return;
    const attributes = fieldInteger(block, 'bmAttributes') ?? 0;
    if ((attributes & TRANSFER_TYPE_MASK) !== TRANSFER_INTERRUPT) return;

    let after = index + 1;
    if (parts[after]?.block?.kind === 'ssCompanion') after += 1;
    if (parts[after]?.block?.kind !== 'videoControlEndpoint') {
      slots.push({ index: after, endpoint: block });
    }
  });
  return slots;
}

/**
 * True when the printed wTotalLength fits the rebuilt descriptors only with its two bytes
 * exchanged (a big-endian host; the MSI StarCam Racer dump of 2009 is one).
 */
function wordsLookSwapped(printedTotal: number, parts: Part[]): boolean {
  const built = totalLength(parts);
  const most = built + hiddenEndpointSlots(parts).length * VC_INTERRUPT_ENDPOINT_LENGTH;
  const fits = (total: number): boolean => total >= built && total <= most;
  return !fits(printedTotal) && fits(swapBytes16(printedTotal));
}

/**
 * lsusb before about 2018 does not print the class-specific VC interrupt endpoint descriptor
 * (UVC 1.5 §3.8.2.2). Where wTotalLength leaves room for it, add it after each VideoControl
 * interrupt endpoint (and its companion) that lacks one. Returns the bytes added.
 */
function insertHiddenEndpoints(
  parts: Part[],
  room: number,
  context: LayoutContext,
  notes: string[],
): number {
  let added = 0;
  const slots = hiddenEndpointSlots(parts);
  // Insert from the last slot so the earlier indices stay valid.
  const fitting = slots.slice(0, Math.max(0, Math.floor(room / VC_INTERRUPT_ENDPOINT_LENGTH)));
  for (const { index, endpoint } of [...fitting].reverse()) {
    const wMaxTransferSize = (packetSize(endpoint, context) ?? 0) & PACKET_SIZE_MASK;
    const bytes = vcInterruptEndpoint(wMaxTransferSize);
    parts.splice(index, 0, { built: { bytes, missing: [], notes: [] } });
    added += bytes.length;
    const address = fieldText(endpoint, 'bEndpointAddress');
    notes.push(
      `lsusb did not print the class-specific VideoControl interrupt endpoint descriptor after endpoint ${address} (line ${endpoint.line}); rebuilt it with wMaxTransferSize ${wMaxTransferSize} (= wMaxPacketSize), as wTotalLength leaves room for it.`,
    );
  }
  return added;
}

/**
 * Bytes wTotalLength counts but the dump does not show (lsusb stops at a descriptor with
 * bLength 0 or 1 without a word): placeholders of an unassigned descriptor type at the end of
 * the configuration, which hosts skip, so wTotalLength stays as printed.
 */
function addFiller(parts: Part[], room: number, notes: string[]): void {
  if (room < FILLER.MIN_LENGTH) return;
  let left = room;
  while (left > 0) {
    let size = Math.min(left, FILLER.MAX_LENGTH);
    if (left - size === 1) size -= 1;
    const bytes = new Uint8Array(size);
    bytes[0] = size;
    bytes[1] = FILLER.DESCRIPTOR_TYPE;
    parts.push({ built: { bytes, missing: [], notes: [] } });
    left -= size;
  }
  const type = hexNumber(FILLER.DESCRIPTOR_TYPE);
  notes.push(
    `wTotalLength counts ${room} bytes the dump does not show; added them at the end as placeholder descriptors of type ${type} so wTotalLength stays as printed.`,
  );
}

/**
 * The configuration bytes, with the VS header bmaControls fixed once the bytes after each
 * header are known, and wTotalLength set to the real length when it differs from the print.
 */
function joinConfiguration(
  header: Uint8Array,
  parts: Part[],
  expectedTotal: number | undefined,
  notes: string[],
): Uint8Array {
  const total = totalLength(parts);
  if (total > MAX_CONFIGURATION_BYTES) throw tooLarge(total);

  const bytes = new Uint8Array(total);
  bytes.set(header, 0);
  let offset = header.length;
  const offsets: number[] = [];
  for (const part of parts) {
    offsets.push(offset);
    bytes.set(part.built.bytes, offset);
    offset += part.built.bytes.length;
  }
  fixStreamHeaderControls(bytes, parts, offsets, notes);

  if (expectedTotal !== total) {
    bytes[CONFIG.wTotalLength] = total & 0xff;
    bytes[CONFIG.wTotalLength + 1] = total >> 8;
    const printed = expectedTotal ?? '(not printed)';
    notes.push(
      `wTotalLength is ${printed} but the dump holds ${total} bytes of descriptors; set wTotalLength to ${total}.`,
    );
  }
  checkInterfaceCount(bytes, parts, notes);
  return bytes;
}

/**
 * Old lsusb printed the byte after a VS header for each bmaControls(n). When every printed
 * value equals that byte (in the rebuilt configuration), the values are not the bitmaps:
 * set them to 0. Newer lsusb (which decodes bEndpointAddress there) is trusted.
 */
function fixStreamHeaderControls(
  bytes: Uint8Array,
  parts: Part[],
  offsets: number[],
  notes: string[],
): void {
  parts.forEach((part, index) => {
    const controls = part.built.controls;
    const start = offsets[index];
    if (controls === undefined || start === undefined || controls.formats === 0) return;
    if (part.block?.fields.some((field) => field.name === 'bEndpointAddress')) return;

    const length = part.built.bytes.length;
    const probe = bytes[start + controls.offset + controls.formats * controls.size];
    const printed = controls.printed;
    if (probe === undefined || printed.length !== controls.formats) return;
    if (!printed.every((value) => value === probe)) return;

    for (let format = 0; format < controls.formats; format += 1) {
      for (let byte = 0; byte < controls.size; byte += 1) {
        const offset = controls.offset + format * controls.size + byte;
        if (offset < length) bytes[start + offset] = 0;
      }
    }
    const where = part.block ? describeBlock(part.block) : 'a VS header';
    notes.push(
      `${where}: every bmaControls(n) shows ${probe}, the byte after the descriptor (an old lsusb bug), so the real bitmaps are unknown; set them to 0.`,
    );
  });
}

/** Note when bNumInterfaces disagrees with the interfaces the dump shows. */
function checkInterfaceCount(bytes: Uint8Array, parts: Part[], notes: string[]): void {
  const numbers = new Set<number>();
  for (const { block } of parts) {
    if (block?.kind !== 'interface') continue;
    const number = fieldInteger(block, 'bInterfaceNumber');
    if (number !== undefined) numbers.add(number);
  }
  const printedCount = bytes[CONFIG.bNumInterfaces] ?? 0;
  if (printedCount !== numbers.size) {
    const shown = numbers.size;
    notes.push(`bNumInterfaces is ${printedCount} but the dump shows ${shown} interface(s).`);
  }
}

// ------------------------------------------------------------------------------------------
// Small readers.

function fieldInteger(block: LsusbBlock, name: string): number | undefined {
  const field = block.fields.find((candidate) => candidate.name === name);
  return field === undefined ? undefined : parseInteger(field.value);
}

function fieldText(block: LsusbBlock, name: string): string {
  return block.fields.find((field) => field.name === name)?.value.split(/\s+/)[0] ?? '?';
}

/** The string texts lsusb printed beside non-zero string indices. */
function readStrings(blocks: LsusbBlock[]): Record<number, string> {
  const strings: Record<number, string> = {};
  for (const block of blocks) {
    for (const field of block.fields) {
      if (!STRING_FIELD.test(field.name)) continue;
      const match = /^(\d{1,3})\s+(\S.*)$/.exec(field.value);
      const index = Number(match?.[1] ?? 0);
      const value = (match?.[2] ?? '').trim();
      const shown = value.length > 0 && value !== UNREADABLE_STRING;
      if (index > 0 && index <= 0xff && shown && strings[index] === undefined) {
        strings[index] = value;
      }
    }
  }
  return strings;
}
