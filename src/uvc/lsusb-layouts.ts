/**
 * Descriptor bytes from the fields lsusb printed: one builder per descriptor kind.
 *
 * Each builder writes the fields of one {@link LsusbBlock} at the offsets of its wire layout:
 * USB 2.0 §9.6 (device, configuration, interface, endpoint), the Interface Association ECN,
 * USB 3.2 §9.6.7 (SuperSpeed endpoint companion), UVC 1.5 §3.7–§3.9 with the payload
 * specifications (video), USB Audio 1.0 §4.3–§4.6 (audio) and HID 1.11 §6.2.1. The length
 * always comes from the printed bLength, never from what lsusb assumed: lsusb warns
 * "Descriptor too short" on every correct 11-byte UVC 1.0 processing unit and then prints a
 * bmVideoStandards byte that belongs to the next descriptor; writing only inside bLength drops
 * such values by itself.
 *
 * lsusb folds some fields: a bmControls bitmap of a camera terminal or processing unit is
 * shown as one number made of its last three bytes, the VS header shows one byte of each
 * format's bmaControls, a stream-based format shows one byte of dwPacketLength. Bytes lsusb
 * never printed are left 0 and reported in the descriptor's notes.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import { CS, EP, TT, USB_DT, VC, VS } from './constants.js';
import {
  type LsusbBlock,
  type LsusbField,
  formatBcd,
  hexBytes,
  parseBcd,
  parseClockFrequency,
  parseGuidText,
  parseInteger,
  parseMaxPacketSize,
} from './lsusb-text.js';

/**
 * How the dump prints GUIDs: `wire` is old lsusb (before about 2019), which prints the 16 bytes
 * in wire order; `string` is newer lsusb, which prints the usual string form.
 */
export type GuidOrder = 'wire' | 'string';

/** What a builder needs to know beyond its own block. */
export interface LayoutContext {
  guidOrder: GuidOrder;
  /** True when the dump shows the print style of newer lsusb (hex wTotalLength, …). */
  newStyle: boolean;
  /** bcdUSB of the device descriptor, when printed. */
  bcdUSB?: number;
  /** The interface the block follows (class, subclass, protocol). */
  interfaceClass?: number;
  interfaceSubClass?: number;
  interfaceProtocol?: number;
  /**
   * True for dumps made on a big-endian host by an lsusb that did not swap the 16-bit fields
   * libusb decodes: the configuration's wTotalLength and each endpoint's wMaxPacketSize show
   * their bytes exchanged (0x03ed printed as 60675).
   */
  swappedWords?: boolean;
  /** bmAttributes and wMaxPacketSize of the endpoint a companion follows. */
  endpointAttributes?: number;
  endpointMaxPacketSize?: number;
}

/** The bytes rebuilt from one block. */
export interface BuiltDescriptor {
  bytes: Uint8Array;
  /** Fields the block should have shown but did not (a cut dump, an edited one). */
  missing: string[];
  /** What is not exact, one sentence each. */
  notes: string[];
  /**
   * VS_INPUT_HEADER and VS_OUTPUT_HEADER: where bmaControls start, how many formats and
   * bytes each, and the values printed (old lsusb printed the byte after the descriptor).
   */
  controls?: { offset: number; formats: number; size: number; printed: number[] };
  /** True when no layout was known: the bytes after the header are 0 (a placeholder). */
  placeholder?: boolean;
}

// ------------------------------------------------------------------------------------------
// Fixed lengths and limits.

/** Lengths of the standard descriptors (USB 2.0 §9.6, IAD ECN, USB 3.2 §9.6.7). */
const LENGTH = {
  DEVICE: 18,
  CONFIGURATION: 9,
  ASSOCIATION: 8,
  INTERFACE: 9,
  ENDPOINT: 7,
  AUDIO_ENDPOINT_DESCRIPTOR: 9,
  SS_COMPANION: 6,
  VC_INTERRUPT_ENDPOINT: 5,
  AUDIO_ENDPOINT: 7,
} as const;

/** Common offsets of every descriptor. */
const DESC = { bLength: 0, bDescriptorType: 1, bDescriptorSubtype: 2, MIN_LENGTH: 2 } as const;

/** Largest values of the field widths. */
const MAX_BY_BITS: Record<FieldBits, number> = {
  8: 0xff,
  16: 0xffff,
  24: 0xffffff,
  32: 0xffffffff,
};

/** lsusb folds at most three bytes of a CT/PU bmControls bitmap into the number it prints. */
const FOLDED_CONTROL_BYTES = 3;

/** Bytes in a GUID and the permutation from its string form to wire order. */
const GUID_STRING_TO_WIRE = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15] as const;

/** Descriptor types not in constants.ts: HID (HID 1.11 §7.1). */
const HID_DESCRIPTOR_TYPE = 0x21;

/** bInterfaceClass of audio interfaces (USB Audio 1.0 Appendix A.1). */
const AUDIO_CLASS = 0x01;

/** bInterfaceProtocol 0x20 marks USB Audio 2.0, whose layouts differ from Audio 1.0. */
const AUDIO_PROTOCOL_UAC2 = 0x20;

/** USB Audio 1.0 descriptor subtypes (Audio 1.0 Appendix A.5, A.6) and format types (A.1). */
const AC = {
  HEADER: 0x01,
  INPUT_TERMINAL: 0x02,
  OUTPUT_TERMINAL: 0x03,
  MIXER_UNIT: 0x04,
  SELECTOR_UNIT: 0x05,
  FEATURE_UNIT: 0x06,
  PROCESSING_UNIT: 0x07,
  EXTENSION_UNIT: 0x08,
} as const;
const AS = { GENERAL: 0x01, FORMAT_TYPE: 0x02 } as const;
const AUDIO_FORMAT_TYPE = { I: 0x01, II: 0x02, III: 0x03 } as const;

/** Endpoint transfer types (USB 2.0 Table 9-13, bmAttributes bits 1..0). */
const TRANSFER = { MASK: 0x03, ISOCHRONOUS: 0x01, BULK: 0x02, INTERRUPT: 0x03 } as const;

/** wMaxPacketSize: bits 10..0 are the packet size (USB 2.0 §9.6.6). */
const PACKET_SIZE_MASK = 0x7ff;

/** Companion bmAttributes: Mult (isochronous) in bits 1..0, MaxStreams (bulk) in bits 4..0. */
const COMPANION_MULT_MASK = 0x03;

/** MaxPower units: 2 mA up to USB 2.0, 8 mA for SuperSpeed (USB 3.2 §9.6.3). */
const MILLIAMPS_PER_UNIT = { USB2: 2, SUPERSPEED: 8 } as const;
const BCD_USB_3 = 0x0300;

type FieldBits = 8 | 16 | 24 | 32;

// ------------------------------------------------------------------------------------------
// Writing and reading.

/** A descriptor being written: writes past its length are ignored, written bytes remembered. */
class DescriptorBytes {
  readonly bytes: Uint8Array;
  private readonly known: Uint8Array;

  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.known = new Uint8Array(length);
  }

  /** Write `bytes` little-endian bytes of `value` at `offset` (nothing when undefined). */
  int(offset: number, byteCount: number, value: number | undefined): void {
    if (value === undefined) return;
    let rest = value;
    for (let index = 0; index < byteCount; index += 1) {
      this.u8(offset + index, rest % 0x100);
      rest = Math.floor(rest / 0x100);
    }
  }

  u8(offset: number, value: number | undefined): void {
    if (value === undefined || offset < 0 || offset >= this.bytes.length) return;
    this.bytes[offset] = value & 0xff;
    this.known[offset] = 1;
  }

  u16(offset: number, value: number | undefined): void {
    this.int(offset, 2, value);
  }

  u32(offset: number, value: number | undefined): void {
    this.int(offset, 4, value);
  }

  put(offset: number, values: readonly number[] | undefined): void {
    values?.forEach((value, index) => this.u8(offset + index, value));
  }

  /** Ranges `[start, end)` no field was written to. */
  unknownRanges(): Array<[number, number]> {
    const ranges: Array<[number, number]> = [];
    let start = -1;
    for (let offset = 0; offset <= this.known.length; offset += 1) {
      const unknown = offset < this.known.length && this.known[offset] === 0;
      if (unknown && start < 0) start = offset;
      if (!unknown && start >= 0) {
        ranges.push([start, offset]);
        start = -1;
      }
    }
    return ranges;
  }
}

/** Looks up the fields of one block, checking that each value fits its width. */
class BlockReader {
  readonly missing: string[] = [];

  constructor(readonly block: LsusbBlock) {}

  /** The first field with one of the names (and the index, when given). */
  field(names: string | readonly string[], index?: number): LsusbField | undefined {
    const list = typeof names === 'string' ? [names] : names;
    return this.block.fields.find(
      (field) => list.includes(field.name) && (index === undefined || field.index === index),
    );
  }

  /** Every field with one of the names, in printed order. */
  all(names: string | readonly string[]): LsusbField[] {
    const list = typeof names === 'string' ? [names] : names;
    return this.block.fields.filter((field) => list.includes(field.name));
  }

  /** An integer field; records it as missing when absent and `required`. */
  int(names: string | readonly string[], bits: FieldBits, required = true): number | undefined {
    const field = this.field(names);
    if (field === undefined) return this.absent(names, required);
    return this.checked(field, parseInteger(field.value), bits);
  }

  /**
   * Integer fields that carry an index (`baSourceID( 0)`), in printed order. When the count
   * field printed before them says there are more, the list is recorded as missing (a dump
   * cut inside the list).
   */
  list(names: string | readonly string[], bits: FieldBits, count?: number): number[] {
    const values = this.valuesOf(this.all(names), bits);
    if (count !== undefined && values.length < count) {
      const name = typeof names === 'string' ? names : names.join('/');
      this.missing.push(`${name}(${values.length})`);
    }
    return values;
  }

  /** The integer values of the given fields. */
  valuesOf(fields: readonly LsusbField[], bits: FieldBits): number[] {
    return fields.map((field) => this.checked(field, parseInteger(field.value), bits));
  }

  bcd(name: string, required = true): number | undefined {
    const field = this.field(name);
    if (field === undefined) return this.absent(name, required);
    return this.checked(field, parseBcd(field.value) ?? parseInteger(field.value), 16);
  }

  clock(name: string): number | undefined {
    const field = this.field(name);
    if (field === undefined) return this.absent(name, true);
    return this.checked(field, parseClockFrequency(field.value), 32);
  }

  maxPacketSize(name: string): number | undefined {
    const field = this.field(name);
    if (field === undefined) return this.absent(name, true);
    return this.checked(field, parseMaxPacketSize(field.value), 16);
  }

  /** A GUID field, as the 16 wire bytes. */
  guid(name: string | readonly string[], order: GuidOrder): number[] | undefined {
    const field = this.field(name);
    if (field === undefined) return this.absent(name, true);
    const printed = parseGuidText(field.value);
    if (printed === undefined) {
      throw invalidField(field, 'a GUID {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}');
    }
    return order === 'wire' ? printed : GUID_STRING_TO_WIRE.map((index) => printed[index] ?? 0);
  }

  /** A field whose value is hex pairs (`Process-Specific  01 02`). */
  hex(name: string): number[] | undefined {
    const field = this.field(name);
    return field === undefined ? undefined : hexBytes(field.value);
  }

  private absent(names: string | readonly string[], required: boolean): undefined {
    const name = typeof names === 'string' ? names : names.join('/');
    if (required && !this.missing.includes(name)) this.missing.push(name);
    return undefined;
  }

  private checked(field: LsusbField, value: number | undefined, bits: FieldBits): number {
    if (value === undefined) throw invalidField(field, 'a number');
    if (value > MAX_BY_BITS[bits]) throw invalidField(field, `a ${bits}-bit value`);
    return value;
  }
}

function invalidField(field: LsusbField, expected: string): CameraError {
  const message = `lsusb line ${field.line}: field ${field.name} is not ${expected}`;
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
    expected,
    found: field.value.slice(0, 80),
  });
}

// ------------------------------------------------------------------------------------------
// Building one block.

/**
 * Rebuild the bytes of one block, or undefined when its length cannot be known (a class
 * descriptor lsusb printed without bLength).
 */
export function buildDescriptor(
  block: LsusbBlock,
  context: LayoutContext,
): BuiltDescriptor | undefined {
  const reader = new BlockReader(block);
  const length = descriptorLength(block, reader, context);
  if (length === undefined) return undefined;

  const writer = new DescriptorBytes(length);
  const notes: string[] = [];
  writer.u8(DESC.bLength, length);
  if (block.kind !== 'raw') writer.u8(DESC.bDescriptorType, descriptorType(block, reader));
  const built: BuiltDescriptor = { bytes: writer.bytes, missing: reader.missing, notes };

  writeFields(block, reader, writer, context, built);

  // Exact bytes lsusb printed in hex: a raw line, undecoded bytes, junk after the fields.
  if (block.raw !== undefined) {
    const offset = block.rawOffset ?? 0;
    writer.put(offset, block.raw);
    if (offset + block.raw.length > length) {
      notes.push(
        `${describeBlock(block)} shows ${offset + block.raw.length} bytes of hex but bLength ${length}; kept the first ${length}.`,
      );
    }
  }
  if (block.junk !== undefined) writer.put(length - block.junk.length, block.junk);

  describeUnknownBytes(built, block, writer);
  return built;
}

/** The printed bLength, or the fixed length of a standard descriptor. */
function descriptorLength(
  block: LsusbBlock,
  reader: BlockReader,
  context: LayoutContext,
): number | undefined {
  if (block.kind === 'raw') return rawLength(block);
  const fixed = FIXED_LENGTHS[block.kind];
  const printed = reader.int('bLength', 8, fixed === undefined);
  if (printed !== undefined && printed >= DESC.MIN_LENGTH) return printed;
  if (block.kind === 'endpoint') return endpointLength(block, context);
  return fixed;
}

const FIXED_LENGTHS: Partial<Record<LsusbBlock['kind'], number>> = {
  device: LENGTH.DEVICE,
  configuration: LENGTH.CONFIGURATION,
  association: LENGTH.ASSOCIATION,
  interface: LENGTH.INTERFACE,
  endpoint: LENGTH.ENDPOINT,
  ssCompanion: LENGTH.SS_COMPANION,
  videoControlEndpoint: LENGTH.VC_INTERRUPT_ENDPOINT,
  audioEndpoint: LENGTH.AUDIO_ENDPOINT,
};

/** Audio endpoints carry bRefresh and bSynchAddress (9 bytes, Audio 1.0 §4.6.1.1). */
function endpointLength(block: LsusbBlock, context: LayoutContext): number {
  const audio = block.fields.some((field) => field.name === 'bRefresh');
  const audioClass = context.interfaceClass === AUDIO_CLASS;
  return audio && audioClass ? LENGTH.AUDIO_ENDPOINT_DESCRIPTOR : LENGTH.ENDPOINT;
}

/** A hex line starts with its own bLength (lsusb prints exactly bLength bytes). */
function rawLength(block: LsusbBlock): number | undefined {
  const first = block.raw?.[0];
  return first === undefined || first < DESC.MIN_LENGTH ? undefined : first;
}

/** The printed bDescriptorType, or the one the heading implies. */
function descriptorType(block: LsusbBlock, reader: BlockReader): number | undefined {
  // HID prints bDescriptorType again for each class descriptor; the first one is its own.
  const printed = reader.field('bDescriptorType');
  if (printed !== undefined) return reader.int('bDescriptorType', 8);
  const implied: Partial<Record<LsusbBlock['kind'], number>> = {
    device: USB_DT.DEVICE,
    configuration: USB_DT.CONFIGURATION,
    association: USB_DT.INTERFACE_ASSOCIATION,
    interface: USB_DT.INTERFACE,
    endpoint: USB_DT.ENDPOINT,
    ssCompanion: USB_DT.SS_ENDPOINT_COMPANION,
    videoControlEndpoint: CS.ENDPOINT,
    audioEndpoint: CS.ENDPOINT,
    videoControl: CS.INTERFACE,
    videoStreaming: CS.INTERFACE,
    audioControl: CS.INTERFACE,
    audioStreaming: CS.INTERFACE,
    hid: HID_DESCRIPTOR_TYPE,
  };
  const type = implied[block.kind];
  if (type === undefined) reader.missing.push('bDescriptorType');
  return type;
}

/** Dispatch to the layout of the block's kind. */
function writeFields(
  block: LsusbBlock,
  reader: BlockReader,
  writer: DescriptorBytes,
  context: LayoutContext,
  built: BuiltDescriptor,
): void {
  switch (block.kind) {
    case 'device':
      writeDevice(reader, writer);
      return;
    case 'configuration':
      writeConfiguration(reader, writer, context, built.notes);
      return;
    case 'association':
      writeAssociation(reader, writer);
      return;
    case 'interface':
      writeInterface(reader, writer);
      return;
    case 'endpoint':
      writeEndpoint(reader, writer, context);
      return;
    case 'ssCompanion':
      writeCompanion(reader, writer, context, built.notes);
      return;
    case 'videoControlEndpoint':
      writer.u8(DESC.bDescriptorSubtype, reader.int('bDescriptorSubtype', 8));
      writer.u16(3, reader.int('wMaxTransferSize', 16));
      return;
    case 'audioEndpoint':
      writeAudioEndpoint(reader, writer, context);
      return;
    case 'videoControl':
      writeSubtyped(block, reader, writer, built, () =>
        writeVideoControl(reader, writer, context, built),
      );
      return;
    case 'videoStreaming':
      writeSubtyped(block, reader, writer, built, () =>
        writeVideoStreaming(reader, writer, context, built),
      );
      return;
    case 'audioControl':
    case 'audioStreaming':
      writeSubtyped(block, reader, writer, built, () => writeAudio(block, reader, writer, context));
      return;
    case 'hid':
      writeHid(reader, writer);
      return;
    case 'raw':
      return;
    case 'unknown':
      writer.u8(DESC.bDescriptorSubtype, reader.int('bDescriptorSubtype', 8, false));
      built.placeholder = true;
      return;
  }
}

/**
 * Class-specific interface descriptors: the subtype, then the layout — unless lsusb printed
 * the bytes after the subtype in hex (`Invalid desc subtype:`), which are used instead.
 */
function writeSubtyped(
  block: LsusbBlock,
  reader: BlockReader,
  writer: DescriptorBytes,
  built: BuiltDescriptor,
  layout: () => boolean,
): void {
  writer.u8(DESC.bDescriptorSubtype, reader.int('bDescriptorSubtype', 8));
  if (block.raw !== undefined) return;
  if (!layout()) built.placeholder = true;
}

/** USB 2.0 §9.6.1, Table 9-8. */
function writeDevice(reader: BlockReader, writer: DescriptorBytes): void {
  writer.u16(2, reader.bcd('bcdUSB'));
  writer.u8(4, reader.int('bDeviceClass', 8));
  writer.u8(5, reader.int('bDeviceSubClass', 8));
  writer.u8(6, reader.int('bDeviceProtocol', 8));
  writer.u8(7, reader.int('bMaxPacketSize0', 8));
  writer.u16(8, reader.int('idVendor', 16));
  writer.u16(10, reader.int('idProduct', 16));
  writer.u16(12, reader.bcd('bcdDevice'));
  writer.u8(14, reader.int('iManufacturer', 8));
  writer.u8(15, reader.int('iProduct', 8));
  writer.u8(16, reader.int(['iSerial', 'iSerialNumber'], 8));
  writer.u8(17, reader.int('bNumConfigurations', 8));
}

/** USB 2.0 §9.6.3, Table 9-10; MaxPower is printed in mA. */
function writeConfiguration(
  reader: BlockReader,
  writer: DescriptorBytes,
  context: LayoutContext,
  notes: string[],
): void {
  writer.u16(2, unswap(reader.int('wTotalLength', 16), context));
  writer.u8(4, reader.int('bNumInterfaces', 8));
  writer.u8(5, reader.int('bConfigurationValue', 8));
  writer.u8(6, reader.int('iConfiguration', 8));
  writer.u8(7, reader.int('bmAttributes', 8));
  const milliamps = reader.int('MaxPower', 16);
  if (milliamps !== undefined) writer.u8(8, maxPowerUnits(milliamps, context, notes));
}

/**
 * bMaxPower from the printed mA. lsusb multiplies by 2, and newer lsusb by 8 for SuperSpeed
 * devices; which one applied is guessed from the device's bcdUSB and the dump's print style.
 */
function maxPowerUnits(milliamps: number, context: LayoutContext, notes: string[]): number {
  const { USB2, SUPERSPEED } = MILLIAMPS_PER_UNIT;
  const superSpeed = (context.bcdUSB ?? 0) >= BCD_USB_3;
  const preferred: number = superSpeed && context.newStyle ? SUPERSPEED : USB2;
  const other: number = preferred === USB2 ? SUPERSPEED : USB2;
  const fits = (unit: number): boolean => milliamps % unit === 0 && milliamps / unit <= 0xff;
  const unit = fits(preferred) || !fits(other) ? preferred : other;
  if (superSpeed) {
    const usb = formatBcd(context.bcdUSB ?? 0);
    notes.push(
      `MaxPower ${milliamps}mA of a USB ${usb} device was read in ${unit} mA units (lsusb multiplies by 2, newer lsusb by 8 at SuperSpeed).`,
    );
  }
  return Math.min(0xff, Math.floor(milliamps / unit));
}

/** A 16-bit field as the device sent it, undoing a big-endian host's exchange of its bytes. */
export function unswap(value: number | undefined, context: LayoutContext): number | undefined {
  if (value === undefined || context.swappedWords !== true) return value;
  return swapBytes16(value);
}

/** The two bytes of a 16-bit value exchanged. */
export function swapBytes16(value: number): number {
  return ((value & 0xff) << 8) | ((value >> 8) & 0xff);
}

/** Interface Association Descriptor ECN, Table 9-Z. */
function writeAssociation(reader: BlockReader, writer: DescriptorBytes): void {
  writer.u8(2, reader.int('bFirstInterface', 8));
  writer.u8(3, reader.int('bInterfaceCount', 8));
  writer.u8(4, reader.int('bFunctionClass', 8));
  writer.u8(5, reader.int('bFunctionSubClass', 8));
  writer.u8(6, reader.int('bFunctionProtocol', 8));
  writer.u8(7, reader.int('iFunction', 8));
}

/** USB 2.0 §9.6.5, Table 9-12. */
function writeInterface(reader: BlockReader, writer: DescriptorBytes): void {
  writer.u8(2, reader.int('bInterfaceNumber', 8));
  writer.u8(3, reader.int('bAlternateSetting', 8));
  writer.u8(4, reader.int('bNumEndpoints', 8));
  writer.u8(5, reader.int('bInterfaceClass', 8));
  writer.u8(6, reader.int('bInterfaceSubClass', 8));
  writer.u8(7, reader.int('bInterfaceProtocol', 8));
  writer.u8(8, reader.int('iInterface', 8));
}

/** USB 2.0 §9.6.6, Table 9-13; audio endpoints add bRefresh and bSynchAddress. */
function writeEndpoint(reader: BlockReader, writer: DescriptorBytes, context: LayoutContext): void {
  writer.u8(2, reader.int('bEndpointAddress', 8));
  writer.u8(3, reader.int('bmAttributes', 8));
  writer.u16(4, unswap(reader.maxPacketSize('wMaxPacketSize'), context));
  writer.u8(6, reader.int('bInterval', 8));
  if (writer.bytes.length > LENGTH.ENDPOINT) {
    writer.u8(7, reader.int('bRefresh', 8));
    writer.u8(8, reader.int('bSynchAddress', 8));
  }
}

/**
 * USB 3.2 §9.6.7, Table 9-27. lsusb shows bMaxBurst, Mult (isochronous) or MaxStreams (bulk,
 * as 2^n) and, in newer versions, wBytesPerInterval; without it, wBytesPerInterval of a
 * periodic endpoint is taken as its full bandwidth.
 */
function writeCompanion(
  reader: BlockReader,
  writer: DescriptorBytes,
  context: LayoutContext,
  notes: string[],
): void {
  const bMaxBurst = reader.int('bMaxBurst', 8) ?? 0;
  const mult = reader.int('Mult', 8, false) ?? 0;
  const streams = reader.int('MaxStreams', 32, false);
  const type = (context.endpointAttributes ?? 0) & TRANSFER.MASK;
  let bmAttributes = 0;
  if (type === TRANSFER.ISOCHRONOUS) bmAttributes = mult & COMPANION_MULT_MASK;
  if (type === TRANSFER.BULK && streams !== undefined && streams > 0) {
    bmAttributes = Math.round(Math.log2(streams));
  }
  writer.u8(2, bMaxBurst);
  writer.u8(3, bmAttributes);

  const printed = reader.int('wBytesPerInterval', 16, false);
  const periodic = type === TRANSFER.ISOCHRONOUS || type === TRANSFER.INTERRUPT;
  if (printed !== undefined || !periodic) {
    writer.u16(4, printed ?? 0);
    return;
  }
  const packet = (context.endpointMaxPacketSize ?? 0) & PACKET_SIZE_MASK;
  const guess = Math.min(0xffff, packet * (bMaxBurst + 1) * (mult + 1));
  writer.u16(4, guess);
  notes.push(
    `lsusb did not print wBytesPerInterval of a SuperSpeed endpoint companion; took ${guess} (wMaxPacketSize × (bMaxBurst + 1) × (Mult + 1)).`,
  );
}

/** Audio 1.0 §4.6.1.2 Table 4-21; Audio 2.0 §4.10.1.2 adds bmControls at offset 4. */
function writeAudioEndpoint(
  reader: BlockReader,
  writer: DescriptorBytes,
  context: LayoutContext,
): void {
  const uac2 = context.interfaceProtocol === AUDIO_PROTOCOL_UAC2 ? 1 : 0;
  writer.u8(2, reader.int('bDescriptorSubtype', 8));
  writer.u8(3, reader.int('bmAttributes', 8));
  if (uac2 === 1) writer.u8(4, reader.int('bmControls', 8));
  writer.u8(4 + uac2, reader.int('bLockDelayUnits', 8));
  writer.u16(5 + uac2, reader.int('wLockDelay', 16));
}

/** HID 1.11 §6.2.1: bcdHID, country, then a type and length per class descriptor. */
function writeHid(reader: BlockReader, writer: DescriptorBytes): void {
  writer.u16(2, reader.bcd('bcdHID'));
  writer.u8(4, reader.int('bCountryCode', 8));
  writer.u8(5, reader.int('bNumDescriptors', 8));
  // bDescriptorType is printed again for each class descriptor: the first one is the HID's.
  const types = reader.valuesOf(reader.all('bDescriptorType').slice(1), 8);
  const lengths = reader.valuesOf(reader.all('wDescriptorLength'), 16);
  types.forEach((type, index) => writer.u8(6 + 3 * index, type));
  lengths.forEach((length, index) => writer.u16(7 + 3 * index, length));
}

// ------------------------------------------------------------------------------------------
// Video (UVC 1.5 §3.7 VideoControl, §3.9 VideoStreaming).

/** Write a VideoControl descriptor by subtype; false when the subtype has no layout here. */
function writeVideoControl(
  reader: BlockReader,
  writer: DescriptorBytes,
  context: LayoutContext,
  built: BuiltDescriptor,
): boolean {
  switch (reader.int('bDescriptorSubtype', 8)) {
    case VC.HEADER:
      // UVC 1.5 §3.7.2, Table 3-3.
      writer.u16(3, reader.bcd('bcdUVC'));
      writer.u16(5, reader.int('wTotalLength', 16));
      writer.u32(7, reader.clock('dwClockFrequency'));
      writeCountedList(reader, writer, 11, 'bInCollection', 'baInterfaceNr');
      return true;
    case VC.INPUT_TERMINAL:
      writeInputTerminal(reader, writer, built.notes);
      return true;
    case VC.OUTPUT_TERMINAL:
      // UVC 1.5 §3.7.2.2, Table 3-5.
      writer.u8(3, reader.int('bTerminalID', 8));
      writer.u16(4, reader.int('wTerminalType', 16));
      writer.u8(6, reader.int('bAssocTerminal', 8));
      writer.u8(7, reader.int('bSourceID', 8));
      writer.u8(8, reader.int('iTerminal', 8));
      return true;
    case VC.SELECTOR_UNIT: {
      // UVC 1.5 §3.7.2.4, Table 3-7.
      writer.u8(3, reader.int('bUnitID', 8));
      const sources = ['baSource', 'baSourceID'];
      const pins = writeCountedList(reader, writer, 4, ['bNrInPins', 'bNrPins'], sources);
      writer.u8(5 + pins, reader.int('iSelector', 8));
      return true;
    }
    case VC.PROCESSING_UNIT:
      writeProcessingUnit(reader, writer, built.notes);
      return true;
    case VC.EXTENSION_UNIT: {
      // UVC 1.5 §3.7.2.7, Table 3-10.
      writer.u8(3, reader.int('bUnitID', 8));
      writer.put(4, reader.guid('guidExtensionCode', context.guidOrder));
      writer.u8(20, reader.int(['bNumControl', 'bNumControls'], 8));
      const p = writeCountedList(reader, writer, 21, ['bNrPins', 'bNrInPins'], 'baSourceID');
      const n = writeCountedList(reader, writer, 22 + p, 'bControlSize', 'bmControls');
      writer.u8(23 + p + n, reader.int('iExtension', 8));
      return true;
    }
    case VC.ENCODING_UNIT:
      // UVC 1.5 §3.7.2.6, Table 3-9; lsusb prints each bitmap as its three bytes.
      writer.u8(3, reader.int('bUnitID', 8));
      writer.u8(4, reader.int('bSourceID', 8));
      writer.u8(5, reader.int('iEncoding', 8));
      writer.u8(6, reader.int('bControlSize', 8));
      writer.int(7, 3, lowBytes(reader.int('bmControls', 32), 3));
      writer.int(10, 3, lowBytes(reader.int('bmControlsRuntime', 32), 3));
      return true;
    default:
      return false;
  }
}

/**
 * A count byte at `offset` and the list of one-byte values it counts after it; returns the
 * number of values written.
 */
function writeCountedList(
  reader: BlockReader,
  writer: DescriptorBytes,
  offset: number,
  countName: string | readonly string[],
  listName: string | readonly string[],
): number {
  const count = reader.int(countName, 8);
  const values = reader.list(listName, 8, count);
  writer.u8(offset, count);
  writer.put(offset + 1, values);
  return values.length;
}

/** VC_INPUT_TERMINAL (UVC 1.5 §3.7.2.1), camera terminal (§3.7.2.3, Table 3-6). */
function writeInputTerminal(reader: BlockReader, writer: DescriptorBytes, notes: string[]): void {
  const wTerminalType = reader.int('wTerminalType', 16);
  writer.u8(3, reader.int('bTerminalID', 8));
  writer.u16(4, wTerminalType);
  writer.u8(6, reader.int('bAssocTerminal', 8));
  writer.u8(7, reader.int('iTerminal', 8));
  if (wTerminalType !== TT.ITT_CAMERA) return;

  const size = reader.int('bControlSize', 8);
  writer.u16(8, reader.int('wObjectiveFocalLengthMin', 16));
  writer.u16(10, reader.int('wObjectiveFocalLengthMax', 16));
  writer.u16(12, reader.int('wOcularFocalLength', 16));
  writer.u8(14, size);
  writeFoldedControls(writer, 15, size ?? 0, reader.int('bmControls', 32), notes);
}

/**
 * VC_PROCESSING_UNIT (UVC 1.5 §3.7.2.5, Table 3-8): bmVideoStandards exists only when bLength
 * leaves room for it (not in UVC 1.0's 11-byte unit).
 */
function writeProcessingUnit(reader: BlockReader, writer: DescriptorBytes, notes: string[]): void {
  const size = reader.int('bControlSize', 8) ?? 0;
  writer.u8(3, reader.int('bUnitID', 8));
  writer.u8(4, reader.int('bSourceID', 8));
  writer.u16(5, reader.int('wMaxMultiplier', 16));
  writer.u8(7, size);
  writeFoldedControls(writer, 8, size, reader.int('bmControls', 32), notes);
  writer.u8(8 + size, reader.int('iProcessing', 8));
  if (writer.bytes.length > 9 + size) {
    writer.u8(9 + size, reader.int('bmVideoStandards', 8));
  }
}

/**
 * A CT or PU bmControls bitmap of `size` bytes from the number lsusb printed: lsusb shifts in
 * the last min(size, 3) bytes, so those are the value's little-endian bytes.
 */
function writeFoldedControls(
  writer: DescriptorBytes,
  start: number,
  size: number,
  value: number | undefined,
  notes: string[],
): void {
  const shown = Math.min(FOLDED_CONTROL_BYTES, size);
  writer.int(start + size - shown, shown, value === undefined ? undefined : lowBytes(value, shown));
  if (size > FOLDED_CONTROL_BYTES) {
    notes.push(
      `lsusb shows only the last ${FOLDED_CONTROL_BYTES} of the ${size} bmControls bytes at offset ${start}; the first ${size - shown} were set to 0.`,
    );
  }
}

function lowBytes(value: number | undefined, count: number): number | undefined {
  return value === undefined ? undefined : value % 2 ** (8 * count);
}

/** Write a VideoStreaming descriptor by subtype; false when the subtype has no layout here. */
function writeVideoStreaming(
  reader: BlockReader,
  writer: DescriptorBytes,
  context: LayoutContext,
  built: BuiltDescriptor,
): boolean {
  const subtype = reader.int('bDescriptorSubtype', 8);
  switch (subtype) {
    case VS.INPUT_HEADER:
    case VS.OUTPUT_HEADER:
      writeStreamHeader(subtype, reader, writer, built);
      return true;
    case VS.STILL_IMAGE_FRAME:
      writeStillImageFrame(reader, writer);
      return true;
    case VS.FORMAT_UNCOMPRESSED:
    case VS.FORMAT_FRAME_BASED:
      // Uncompressed payload §3.1.1 Table 3-1; frame-based payload §3.1.1 Table 3-1.
      writer.u8(3, reader.int('bFormatIndex', 8));
      writer.u8(4, reader.int('bNumFrameDescriptors', 8));
      writer.put(5, reader.guid('guidFormat', context.guidOrder));
      writer.u8(21, reader.int('bBitsPerPixel', 8));
      writer.u8(22, reader.int('bDefaultFrameIndex', 8));
      writer.u8(23, reader.int('bAspectRatioX', 8));
      writer.u8(24, reader.int('bAspectRatioY', 8));
      writer.u8(25, reader.int('bmInterlaceFlags', 8));
      writer.u8(26, reader.int('bCopyProtect', 8));
      if (subtype === VS.FORMAT_FRAME_BASED) writer.u8(27, reader.int('bVariableSize', 8));
      return true;
    case VS.FRAME_UNCOMPRESSED:
    case VS.FRAME_MJPEG:
    case VS.FRAME_FRAME_BASED:
      writeFrame(subtype, reader, writer);
      return true;
    case VS.FORMAT_MJPEG:
      // MJPEG payload §3.1.1, Table 3-1.
      writer.u8(3, reader.int('bFormatIndex', 8));
      writer.u8(4, reader.int('bNumFrameDescriptors', 8));
      writer.u8(5, reader.int(['bFlags', 'bmFlags'], 8));
      writer.u8(6, reader.int('bDefaultFrameIndex', 8));
      writer.u8(7, reader.int('bAspectRatioX', 8));
      writer.u8(8, reader.int('bAspectRatioY', 8));
      writer.u8(9, reader.int('bmInterlaceFlags', 8));
      writer.u8(10, reader.int('bCopyProtect', 8));
      return true;
    case VS.FORMAT_MPEG2TS:
      // MPEG-2 TS payload §3.1.1, Table 3-1.
      writer.u8(3, reader.int('bFormatIndex', 8));
      writer.u8(4, reader.int('bDataOffset', 8));
      writer.u8(5, reader.int('bPacketLength', 8));
      writer.u8(6, reader.int('bStrideLength', 8));
      if (writer.bytes.length > 7) {
        writer.put(7, reader.guid('guidStrideFormat', context.guidOrder));
      }
      return true;
    case VS.COLORFORMAT:
      // UVC 1.5 §3.9.2.6, Table 3-19.
      writer.u8(3, reader.int('bColorPrimaries', 8));
      writer.u8(4, reader.int('bTransferCharacteristics', 8));
      writer.u8(5, reader.int('bMatrixCoefficients', 8));
      return true;
    case VS.FORMAT_STREAM_BASED:
      // Stream-based payload §3.1.1; lsusb prints only the first byte of dwPacketLength.
      writer.u8(3, reader.int('bFormatIndex', 8));
      writer.put(4, reader.guid('guidFormat', context.guidOrder));
      writer.u8(20, reader.int('dwPacketLength', 8));
      return true;
    default:
      return false;
  }
}

/**
 * VS_INPUT_HEADER (UVC 1.5 §3.9.2.1, Table 3-14) and VS_OUTPUT_HEADER (§3.9.2.2, Table 3-15).
 * lsusb prints the first byte of each format's bmaControls (old lsusb printed the byte after
 * the descriptor instead: the caller checks that once the next descriptor is known).
 */
function writeStreamHeader(
  subtype: number,
  reader: BlockReader,
  writer: DescriptorBytes,
  built: BuiltDescriptor,
): void {
  const input = subtype === VS.INPUT_HEADER;
  const formats = reader.int('bNumFormats', 8) ?? 0;
  const size = reader.int('bControlSize', 8) ?? 0;
  const controlsOffset = input ? 13 : 9;
  writer.u8(3, formats);
  writer.u16(4, reader.int('wTotalLength', 16));
  writer.u8(6, reader.int(['bEndpointAddress', 'bEndPointAddress'], 8));
  if (input) {
    writer.u8(7, reader.int('bmInfo', 8));
    writer.u8(8, reader.int('bTerminalLink', 8));
    writer.u8(9, reader.int('bStillCaptureMethod', 8));
    writer.u8(10, reader.int('bTriggerSupport', 8));
    writer.u8(11, reader.int('bTriggerUsage', 8));
    writer.u8(12, size);
  } else {
    writer.u8(7, reader.int('bTerminalLink', 8));
    writer.u8(8, size);
  }

  const printed = reader.list('bmaControls', 8, formats);
  printed.forEach((value, index) => writer.u8(controlsOffset + index * size, value));
  // The other bytes of each bitmap are not printed by any lsusb: 0 unless given as junk.
  for (let format = 0; format < formats; format += 1) {
    for (let byte = 1; byte < size; byte += 1) writer.u8(controlsOffset + format * size + byte, 0);
  }
  if (size > 1 && formats > 0) {
    const header = input ? 'input' : 'output';
    built.notes.push(
      `lsusb prints one byte of each ${size}-byte bmaControls bitmap of the ${header} header; the other bytes were set to 0.`,
    );
  }
  built.controls = { offset: controlsOffset, formats, size, printed };
}

/** VS_STILL_IMAGE_FRAME (UVC 1.5 §3.9.2.5, Table 3-18). */
function writeStillImageFrame(reader: BlockReader, writer: DescriptorBytes): void {
  const patterns = reader.int('bNumImageSizePatterns', 8) ?? 0;
  const widths = reader.list('wWidth', 16, patterns);
  const heights = reader.list('wHeight', 16, patterns);
  const compressions = reader.list('bCompression', 8);
  writer.u8(3, reader.int(['bEndpointAddress', 'bEndPointAddress'], 8));
  writer.u8(4, patterns);
  widths.forEach((width, index) => writer.u16(5 + 4 * index, width));
  heights.forEach((height, index) => writer.u16(7 + 4 * index, height));
  // Old lsusb printed bNumImageSizePatterns again as bNumCompressionPatterns: count the list.
  writer.u8(5 + 4 * patterns, compressions.length);
  writer.put(6 + 4 * patterns, compressions);
}

/**
 * VS_FRAME_UNCOMPRESSED, VS_FRAME_MJPEG (payload specs Table 3-2) and VS_FRAME_FRAME_BASED
 * (frame-based payload Table 3-2): discrete intervals or min/max/step at offset 26.
 */
function writeFrame(subtype: number, reader: BlockReader, writer: DescriptorBytes): void {
  const frameBased = subtype === VS.FRAME_FRAME_BASED;
  writer.u8(3, reader.int('bFrameIndex', 8));
  writer.u8(4, reader.int('bmCapabilities', 8));
  writer.u16(5, reader.int('wWidth', 16));
  writer.u16(7, reader.int('wHeight', 16));
  writer.u32(9, reader.int('dwMinBitRate', 32));
  writer.u32(13, reader.int('dwMaxBitRate', 32));
  if (frameBased) {
    writer.u32(17, reader.int('dwDefaultFrameInterval', 32));
    writer.u8(21, reader.int('bFrameIntervalType', 8));
    writer.u32(22, reader.int('dwBytesPerLine', 32));
  } else {
    writer.u32(17, reader.int('dwMaxVideoFrameBufferSize', 32));
    writer.u32(21, reader.int('dwDefaultFrameInterval', 32));
    writer.u8(25, reader.int('bFrameIntervalType', 8));
  }

  if (reader.field('dwMinFrameInterval') !== undefined) {
    writer.u32(26, reader.int('dwMinFrameInterval', 32));
    writer.u32(30, reader.int('dwMaxFrameInterval', 32));
    writer.u32(34, reader.int('dwFrameIntervalStep', 32));
    return;
  }
  const count = reader.int('bFrameIntervalType', 8);
  reader
    .list('dwFrameInterval', 32, count)
    .forEach((value, index) => writer.u32(26 + 4 * index, value));
}

// ------------------------------------------------------------------------------------------
// Audio (USB Audio 1.0 §4.3.2 AudioControl, §4.5.2 AudioStreaming).

/** Write a UAC1 AudioControl or AudioStreaming descriptor; false when it has no layout here. */
function writeAudio(
  block: LsusbBlock,
  reader: BlockReader,
  writer: DescriptorBytes,
  context: LayoutContext,
): boolean {
  // TODO: USB Audio 2.0 layouts (clock source/selector, 4-byte bmaControls); placeholders now.
  if (context.interfaceProtocol === AUDIO_PROTOCOL_UAC2) return false;
  const subtype = reader.int('bDescriptorSubtype', 8);
  if (block.kind === 'audioStreaming') return writeAudioStreaming(subtype, reader, writer);

  switch (subtype) {
    case AC.HEADER:
      // Table 4-2.
      writer.u16(3, reader.bcd('bcdADC'));
      writer.u16(5, reader.int('wTotalLength', 16));
      writeCountedList(reader, writer, 7, 'bInCollection', 'baInterfaceNr');
      return true;
    case AC.INPUT_TERMINAL:
      // Table 4-3.
      writer.u8(3, reader.int('bTerminalID', 8));
      writer.u16(4, reader.int('wTerminalType', 16));
      writer.u8(6, reader.int('bAssocTerminal', 8));
      writer.u8(7, reader.int('bNrChannels', 8));
      writer.u16(8, reader.int('wChannelConfig', 16));
      writer.u8(10, reader.int('iChannelNames', 8));
      writer.u8(11, reader.int('iTerminal', 8));
      return true;
    case AC.OUTPUT_TERMINAL:
      // Table 4-4.
      writer.u8(3, reader.int('bTerminalID', 8));
      writer.u16(4, reader.int('wTerminalType', 16));
      writer.u8(6, reader.int('bAssocTerminal', 8));
      writer.u8(7, reader.int('bSourceID', 8));
      writer.u8(8, reader.int('iTerminal', 8));
      return true;
    case AC.MIXER_UNIT: {
      // Table 4-5.
      const sources = reader.list('baSourceID', 8);
      const controls = reader.list('bmControls', 8);
      const p = sources.length;
      writer.u8(3, reader.int('bUnitID', 8));
      writer.u8(4, reader.int('bNrInPins', 8));
      writer.put(5, sources);
      writer.u8(5 + p, reader.int('bNrChannels', 8));
      writer.u16(6 + p, reader.int('wChannelConfig', 16));
      writer.u8(8 + p, reader.int('iChannelNames', 8));
      writer.put(9 + p, controls);
      writer.u8(9 + p + controls.length, reader.int('iMixer', 8));
      return true;
    }
    case AC.SELECTOR_UNIT: {
      // Table 4-6.
      writer.u8(3, reader.int('bUnitID', 8));
      const pins = writeCountedList(reader, writer, 4, 'bNrInPins', ['baSource', 'baSourceID']);
      writer.u8(5 + pins, reader.int('iSelector', 8));
      return true;
    }
    case AC.FEATURE_UNIT: {
      // Table 4-7: lsusb prints every bmaControls byte on its own line.
      const controls = reader.list('bmaControls', 8);
      writer.u8(3, reader.int('bUnitID', 8));
      writer.u8(4, reader.int('bSourceID', 8));
      writer.u8(5, reader.int('bControlSize', 8));
      writer.put(6, controls);
      writer.u8(6 + controls.length, reader.int('iFeature', 8));
      return true;
    }
    case AC.PROCESSING_UNIT:
    case AC.EXTENSION_UNIT: {
      // Tables 4-8 and 4-15.
      const processing = subtype === AC.PROCESSING_UNIT;
      const sources = reader.list('baSourceID', 8);
      const controls = reader.list('bmControls', 8);
      const p = sources.length;
      const n = controls.length;
      writer.u8(3, reader.int('bUnitID', 8));
      writer.u16(4, reader.int(processing ? 'wProcessType' : 'wExtensionCode', 16));
      writer.u8(6, reader.int('bNrPins', 8));
      writer.put(7, sources);
      writer.u8(7 + p, reader.int('bNrChannels', 8));
      writer.u16(8 + p, reader.int('wChannelConfig', 16));
      writer.u8(10 + p, reader.int('iChannelNames', 8));
      writer.u8(11 + p, reader.int('bControlSize', 8));
      writer.put(12 + p, controls);
      writer.u8(12 + p + n, reader.int(processing ? 'iProcessing' : 'iExtension', 8));
      if (processing) writer.put(13 + p + n, reader.hex('Process-Specific') ?? []);
      return true;
    }
    default:
      return false;
  }
}

/** AS_GENERAL (Table 4-19) and the format type descriptors (Audio Formats 1.0 §2.2.5). */
function writeAudioStreaming(
  subtype: number | undefined,
  reader: BlockReader,
  writer: DescriptorBytes,
): boolean {
  if (subtype === AS.GENERAL) {
    writer.u8(3, reader.int('bTerminalLink', 8));
    writer.u8(4, reader.int('bDelay', 8));
    writer.u16(5, reader.int('wFormatTag', 16));
    return true;
  }
  if (subtype !== AS.FORMAT_TYPE) return false;

  const formatType = reader.int('bFormatType', 8);
  writer.u8(3, formatType);
  let frequencies = 8;
  if (formatType === AUDIO_FORMAT_TYPE.I || formatType === AUDIO_FORMAT_TYPE.III) {
    writer.u8(4, reader.int('bNrChannels', 8));
    writer.u8(5, reader.int('bSubframeSize', 8));
    writer.u8(6, reader.int('bBitResolution', 8));
    writer.u8(7, reader.int('bSamFreqType', 8));
  } else if (formatType === AUDIO_FORMAT_TYPE.II) {
    writer.u16(4, reader.int('wMaxBitRate', 16));
    writer.u16(6, reader.int('wSamplesPerFrame', 16));
    writer.u8(8, reader.int('bSamFreqType', 8));
    frequencies = 9;
  } else {
    return false;
  }
  if (reader.field('tLowerSamFreq') !== undefined) {
    writer.int(frequencies, 3, reader.int('tLowerSamFreq', 24));
    writer.int(frequencies + 3, 3, reader.int('tUpperSamFreq', 24));
    return true;
  }
  const count = reader.int('bSamFreqType', 8);
  reader
    .list('tSamFreq', 24, count)
    .forEach((value, index) => writer.int(frequencies + 3 * index, 3, value));
  return true;
}

// ------------------------------------------------------------------------------------------
// Notes.

/** One sentence for the bytes no printed field gave a value to. */
function describeUnknownBytes(
  built: BuiltDescriptor,
  block: LsusbBlock,
  writer: DescriptorBytes,
): void {
  const ranges = writer.unknownRanges();
  if (ranges.length === 0) return;
  if (built.placeholder === true) {
    const size = writer.bytes.length;
    built.notes.push(
      `${describeBlock(block)} has no layout in webuvc; kept a placeholder of its printed bLength (${size} bytes, 0 after the header).`,
    );
    return;
  }
  const text = ranges
    .map(([start, end]) => (end - start === 1 ? `${start}` : `${start}..${end - 1}`))
    .join(', ');
  built.notes.push(
    `${describeBlock(block)}: lsusb did not print byte ${text} of ${writer.bytes.length}; set to 0.`,
  );
}

/** `VideoStreaming Interface Descriptor (subtype 1) at line 212`. */
export function describeBlock(block: LsusbBlock): string {
  const subtype = block.fields.find((field) => field.name === 'bDescriptorSubtype');
  const name = block.heading.replace(/:$/, '');
  const number = subtype?.value.split(/\s+/)[0];
  const detail = number === undefined ? '' : ` (subtype ${number})`;
  return `${name}${detail} at line ${block.line}`;
}

/** Bytes of a `VideoControl Endpoint Descriptor` lsusb did not print (UVC 1.5 §3.8.2.2). */
export function vcInterruptEndpoint(wMaxTransferSize: number): Uint8Array {
  const bytes = new DescriptorBytes(LENGTH.VC_INTERRUPT_ENDPOINT);
  bytes.u8(DESC.bLength, LENGTH.VC_INTERRUPT_ENDPOINT);
  bytes.u8(DESC.bDescriptorType, CS.ENDPOINT);
  bytes.u8(DESC.bDescriptorSubtype, EP.INTERRUPT);
  bytes.u16(3, wMaxTransferSize);
  return bytes.bytes;
}

/** The length of the hidden class-specific VC interrupt endpoint descriptor. */
export const VC_INTERRUPT_ENDPOINT_LENGTH = LENGTH.VC_INTERRUPT_ENDPOINT;
