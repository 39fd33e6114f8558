/**
 * Reading the text of an `lsusb -v` dump: lines into descriptor blocks with named fields.
 *
 * lsusb prints each descriptor as a heading (`Endpoint Descriptor:`) followed by one field a
 * line (`wMaxPacketSize     0x1400  3x 1024 bytes`), in the order of the descriptor bytes.
 * Descriptors it cannot decode appear as one line of hex (`** UNRECOGNIZED:  28 ff …`,
 * `INTERFACE CLASS:  0f 24 …`). This module only splits the text; what the fields mean is up
 * to `lsusb-layouts.ts`. Indentation is not used: mail clients and pastes change it.
 *
 * The reader is line-based with simple patterns: the work is linear in the length of the text
 * and lines longer than {@link MAX_LINE_LENGTH} are skipped whole.
 *
 * @packageDocumentation
 */

/** lsusb's longest line is a 255-byte descriptor in hex (about 790 characters). */
export const MAX_LINE_LENGTH = 2048;

/** One printed field: `bmaControls( 1)   27` is name `bmaControls`, index 1, value `27`. */
export interface LsusbField {
  name: string;
  /** The number in parentheses or brackets after the name, when there is one. */
  index?: number;
  /** The text after the name, trimmed. */
  value: string;
  /** 1-based line number in the text. */
  line: number;
}

/** What a block of the dump stands for, by its heading. */
export type BlockKind =
  | 'device'
  | 'configuration'
  | 'association'
  | 'interface'
  | 'endpoint'
  | 'ssCompanion'
  | 'videoControl'
  | 'videoStreaming'
  | 'videoControlEndpoint'
  | 'audioControl'
  | 'audioStreaming'
  | 'audioEndpoint'
  | 'hid'
  | 'raw'
  | 'unknown';

/** A heading and the lines under it. */
export interface LsusbBlock {
  kind: BlockKind;
  /** The heading as printed, trimmed (`VideoStreaming Interface Descriptor:`). */
  heading: string;
  /** 1-based line number of the heading. */
  line: number;
  fields: LsusbField[];
  /**
   * Exact bytes lsusb printed in hex: the whole descriptor for `raw` blocks, the bytes from
   * {@link rawOffset} on for an `Invalid desc subtype:` line.
   */
  raw?: number[];
  /** Where {@link raw} starts inside the descriptor. */
  rawOffset?: number;
  /** The bytes of a `junk at descriptor end:` line: the last bytes of the descriptor. */
  junk?: number[];
  /** `Warning: …` lines printed inside the block. */
  warnings: string[];
}

/** One `Configuration Descriptor:` and the blocks after it, in printed order. */
export interface LsusbConfiguration {
  /** The configuration block first. */
  blocks: LsusbBlock[];
  /**
   * True when a section lsusb prints after the configurations (Device Qualifier, Device
   * Status, …), another configuration or another device follows: the text was not cut inside.
   */
  complete: boolean;
}

/** One device of the dump. */
export interface LsusbDevice {
  /** The `Device Descriptor:` block, when the dump has one for this device. */
  device?: LsusbBlock;
  configurations: LsusbConfiguration[];
  /** The `Bus 001 Device 018: ID 046d:082d …` line, when present. */
  title?: string;
}

/** Headings of descriptors inside a configuration, by the trimmed text lsusb prints. */
const HEADINGS: ReadonlyMap<string, BlockKind> = new Map<string, BlockKind>([
  ['Interface Association:', 'association'],
  ['Interface Descriptor:', 'interface'],
  ['Endpoint Descriptor:', 'endpoint'],
  ['VideoControl Interface Descriptor:', 'videoControl'],
  ['VideoStreaming Interface Descriptor:', 'videoStreaming'],
  ['VideoControl Endpoint Descriptor:', 'videoControlEndpoint'],
  ['AudioControl Interface Descriptor:', 'audioControl'],
  ['AudioStreaming Interface Descriptor:', 'audioStreaming'],
  ['AudioControl Endpoint Descriptor:', 'audioEndpoint'],
  ['AudioStreaming Endpoint Descriptor:', 'audioEndpoint'],
  ['HID Device Descriptor:', 'hid'],
]);

/** Sections lsusb prints after the configurations; they end the configuration region. */
const AFTER_CONFIGURATION = [
  'Device Qualifier',
  'Binary Object Store',
  'Device Status',
  'Hub Descriptor',
  'Hub Port Status',
  'OTG Descriptor',
  'Debug descriptor',
];

/** Lines that print a whole descriptor in hex. */
const RAW_LINE = /^(?:\*\* UNRECOGNIZED|INTERFACE CLASS|DEVICE CLASS):(.*)$/;

/** Hex that lsusb prints for the part of a descriptor it could not decode. */
const INVALID_SUBTYPE = /Invalid desc subtype:(.*)$/;
const INVALID_FORMAT_TYPE = /Invalid desc format type:(.*)$/;
const JUNK_LINE = /^junk at descriptor end:(.*)$/;

/** Offsets where `Invalid desc subtype:` and `Invalid desc format type:` bytes start. */
const SUBTYPE_BYTES_OFFSET = 3;
const FORMAT_TYPE_BYTES_OFFSET = 4;

/** `name( 1)   value` or `name   value`; the index may be in brackets (`tSamFreq[ 0]`). */
const FIELD_LINE = /^([A-Za-z][A-Za-z0-9_-]*)(?:\s*[([]\s*(\d{1,5})\s*[)\]])?(?:\s+(.*))?$/;

/** The title line of a device: `Bus 001 Device 018: ID 046d:082d Logitech, Inc. …`. */
const BUS_LINE = /^Bus \d+ Device \d+/;

/** Mail quoting (`> `) in front of pasted lines. */
const QUOTE_PREFIX = /^(?:>[ \t]?)+/;

/** A pair of hex digits. */
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/** Where the reader is in the dump. */
type Region = 'none' | 'device' | 'configuration' | 'outside';

/**
 * Split an lsusb dump into devices, configurations and descriptor blocks.
 *
 * Lines the reader does not know (comments, mail text, decoded bit names) are skipped.
 */
export function readLsusbText(text: string): LsusbDevice[] {
  const devices: LsusbDevice[] = [];
  const lines = text.split('\n');
  let device: LsusbDevice | undefined;
  let configuration: LsusbConfiguration | undefined;
  let current: LsusbBlock | undefined;
  let region: Region = 'none';
  let title: string | undefined;

  for (let index = 0; index < lines.length; index += 1) {
    const original = lines[index] ?? '';
    if (original.length > MAX_LINE_LENGTH) continue;
    const trimmed = original.replace(QUOTE_PREFIX, '').trim();
    if (trimmed.length === 0) continue;
    const line = index + 1;

    if (BUS_LINE.test(trimmed)) {
      if (configuration !== undefined) configuration.complete = true;
      configuration = undefined;
      title = trimmed;
      region = 'none';
      current = undefined;
      continue;
    }
    if (trimmed === 'Device Descriptor:') {
      if (configuration !== undefined) configuration.complete = true;
      configuration = undefined;
      device = { configurations: [] };
      if (title !== undefined) device.title = title;
      title = undefined;
      devices.push(device);
      current = newBlock('device', trimmed, line);
      device.device = current;
      region = 'device';
      continue;
    }
    if (trimmed === 'Configuration Descriptor:') {
      // A configuration without a device descriptor before it starts a device of its own.
      if (device === undefined || region === 'outside' || region === 'none') {
        device = { configurations: [] };
        if (title !== undefined) device.title = title;
        title = undefined;
        devices.push(device);
      }
      if (configuration !== undefined) configuration.complete = true;
      current = newBlock('configuration', trimmed, line);
      configuration = { blocks: [current], complete: false };
      device.configurations.push(configuration);
      region = 'configuration';
      continue;
    }
    if (AFTER_CONFIGURATION.some((heading) => trimmed.startsWith(heading))) {
      if (configuration !== undefined) configuration.complete = true;
      configuration = undefined;
      region = 'outside';
      current = undefined;
      continue;
    }
    if (region === 'outside' || region === 'none') continue;

    if (region === 'configuration' && configuration !== undefined) {
      const opened = openBlock(trimmed, line, current);
      if (opened !== undefined) {
        configuration.blocks.push(opened);
        current = opened;
        continue;
      }
    }
    if (current !== undefined) addLine(current, trimmed, line);
  }
  return devices;
}

/** A new block for a heading line, or undefined when the line is not a heading. */
function openBlock(
  trimmed: string,
  line: number,
  current: LsusbBlock | undefined,
): LsusbBlock | undefined {
  const kind = HEADINGS.get(trimmed);
  if (kind !== undefined) return newBlock(kind, trimmed, line);

  const raw = RAW_LINE.exec(trimmed);
  if (raw !== null) {
    const block = newBlock('raw', trimmed, line);
    block.raw = hexBytes(raw[1] ?? '') ?? [];
    block.rawOffset = 0;
    return block;
  }

  // The SuperSpeed endpoint companion is printed as fields of the endpoint before it.
  if (/^bMaxBurst\s+\d/.test(trimmed) && current !== undefined) {
    const block = newBlock('ssCompanion', 'bMaxBurst', line);
    addLine(block, trimmed, line);
    return block;
  }

  // Other class descriptors lsusb decodes (CDC, DFU, CCID, MIDI, …): sized by their bLength.
  if (/Descriptor:$/.test(trimmed) && !/^Report Descriptor/.test(trimmed)) {
    return newBlock('unknown', trimmed, line);
  }
  return undefined;
}

function newBlock(kind: BlockKind, heading: string, line: number): LsusbBlock {
  return { kind, heading, line, fields: [], warnings: [] };
}

/** Add a field, warning, junk or invalid-subtype line to the block it belongs to. */
function addLine(block: LsusbBlock, trimmed: string, line: number): void {
  // A hex line wrapped by a mail client continues the bytes before it.
  const continued = block.raw === undefined ? undefined : hexBytes(trimmed);
  if (continued !== undefined && block.raw !== undefined) {
    block.raw.push(...continued);
    return;
  }
  if (trimmed.startsWith('Warning:')) {
    block.warnings.push(trimmed);
    return;
  }
  const junk = JUNK_LINE.exec(trimmed);
  if (junk !== null) {
    block.junk = hexBytes(junk[1] ?? '') ?? [];
    return;
  }
  const invalid = INVALID_SUBTYPE.exec(trimmed) ?? INVALID_FORMAT_TYPE.exec(trimmed);
  if (invalid !== null) {
    block.raw = hexBytes(invalid[1] ?? '') ?? [];
    block.rawOffset = trimmed.includes('format type')
      ? FORMAT_TYPE_BYTES_OFFSET
      : SUBTYPE_BYTES_OFFSET;
    // The hex may follow a field on the same line (`bDescriptorSubtype 19   Invalid desc …`).
    const before = trimmed.slice(0, invalid.index).trim();
    if (before.length > 0) addField(block, before, line);
    return;
  }
  addField(block, trimmed, line);
}

function addField(block: LsusbBlock, trimmed: string, line: number): void {
  const match = FIELD_LINE.exec(trimmed);
  if (match === null) return;
  const field: LsusbField = { name: match[1] ?? '', value: (match[3] ?? '').trim(), line };
  if (match[2] !== undefined) field.index = Number(match[2]);
  block.fields.push(field);
}

/** The bytes of a line of hex pairs separated by spaces; undefined when it is not one. */
export function hexBytes(text: string): number[] | undefined {
  const tokens = text
    .trim()
    .split(/\s+/)
    .filter((token) => token.length > 0);
  if (!tokens.every((token) => HEX_PAIR.test(token))) return undefined;
  return tokens.map((token) => parseInt(token, 16));
}

// ------------------------------------------------------------------------------------------
// Values as lsusb prints them.

/** `0x1400  3x 1024 bytes`, `0x 9` (an old `0x%2x`), `129`, `500mA`: the leading integer. */
export function parseInteger(value: string): number | undefined {
  const hex = /^0x\s*([0-9A-Fa-f]{1,8})(?![0-9A-Fa-f])/.exec(value);
  if (hex !== null) return parseInt(hex[1] ?? '', 16);
  const decimal = /^(\d{1,10})(?!\d)/.exec(value);
  if (decimal !== null) return Number(decimal[1]);
  return undefined;
}

/** A binary-coded decimal printed as `%2x.%02x` (`2.00`, `36.04`, `1.0a`). */
export function parseBcd(value: string): number | undefined {
  const match = /^([0-9A-Fa-f]{1,2})\.([0-9A-Fa-f]{2})(?![0-9A-Fa-f])/.exec(value);
  if (match === null) return undefined;
  return parseInt(match[1] ?? '', 16) * 0x100 + parseInt(match[2] ?? '', 16);
}

/** A binary-coded decimal the way lsusb prints it (`0x0300` is `3.00`). */
export function formatBcd(value: number): string {
  return `${(value >> 8).toString(16)}.${(value & 0xff).toString(16).padStart(2, '0')}`;
}

/** dwClockFrequency printed as `%u.%06uMHz` (exact in Hz), or a plain number of Hz. */
export function parseClockFrequency(value: string): number | undefined {
  const megahertz = /^(\d{1,4})\.(\d{6})\s*MHz/.exec(value);
  if (megahertz !== null) return Number(megahertz[1]) * 1_000_000 + Number(megahertz[2]);
  return parseInteger(value);
}

/** The sixteen hex bytes of a `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` in printed order. */
export function parseGuidText(value: string): number[] | undefined {
  const match = /\{([0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12})\}/.exec(value);
  if (match === null) return undefined;
  const digits = (match[1] ?? '').replace(/-/g, '');
  const bytes: number[] = [];
  for (let offset = 0; offset < digits.length; offset += 2) {
    bytes.push(parseInt(digits.slice(offset, offset + 2), 16));
  }
  return bytes;
}

/** `wMaxPacketSize 0x1400  3x 1024 bytes`: the raw field (bits 12..11 extra transactions). */
export function parseMaxPacketSize(value: string): number | undefined {
  if (/^0x/.test(value)) return parseInteger(value);
  const notation = /^(?:\d{1,5}\s+)?([1-3])x\s+(\d{1,4})\s+bytes/.exec(value);
  if (notation !== null) {
    const extra = Number(notation[1]) - 1;
    return (extra << 11) | Number(notation[2]);
  }
  return parseInteger(value);
}
