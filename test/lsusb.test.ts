/**
 * Rebuilding descriptor bytes from `lsusb -v` text.
 *
 * Three kinds of evidence:
 * - every real lsusb dump in the fixtures: the rebuilt configuration parses, and its model
 *   agrees with the fields the dump printed, read here by a separate small reader;
 * - byte-exact round trips: no camera has both an lsusb dump and raw bytes, so the nine real
 *   configurations with raw bytes are printed the way lsusb prints them (test/lsusb-print.ts,
 *   old and new lsusb) and read back;
 * - concrete facts of the C920, the Realtek, the iSight, the 11-byte processing units and the
 *   other oddities of the dumps, and malformed, cut and foreign text.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { CameraError, CameraErrorCode } from '../src/errors.js';
import { parseConfiguration } from '../src/uvc/descriptors.js';
import { isLsusbReport, parseLsusbReport } from '../src/uvc/lsusb.js';
import type {
  CameraModel,
  FrameIntervals,
  InputTerminal,
  ProcessingUnit,
  TransferType,
} from '../src/uvc/model.js';
import { type LsusbStyle, printLsusb } from './lsusb-print.js';
import { fixturesDir, rawDescriptorsDir } from './fixtures.js';

const descriptorsDir = join(fixturesDir, 'descriptors');
const dumps = readdirSync(descriptorsDir)
  .filter((file) => file.endsWith('.lsusb.txt'))
  .sort();
const rawConfigs = readdirSync(rawDescriptorsDir)
  .filter((file) => file.endsWith('.config.bin'))
  .map((file) => file.replace(/\.config\.bin$/, ''))
  .sort();

/** The MSI dump was made on a big-endian OpenWrt host: its libusb-decoded words are swapped. */
const BIG_ENDIAN_HOST = 'msi_starcam_racer_microdia_0c45-62e0.lsusb.txt';

function dump(file: string): string {
  return readFileSync(join(descriptorsDir, file), 'utf8');
}

function raw(name: string, suffix: string): Uint8Array | undefined {
  const path = join(rawDescriptorsDir, `${name}${suffix}`);
  return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
}

function catchError(action: () => unknown): CameraError {
  try {
    action();
  } catch (error) {
    if (error instanceof CameraError) return error;
    throw error;
  }
  throw new Error('expected a CameraError');
}

function hex(bytes: Uint8Array | number[]): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

function swap16(value: number): number {
  return ((value & 0xff) << 8) | (value >> 8);
}

// ------------------------------------------------------------------------------------------
// A separate, small reader of what a dump printed.

interface PrintedFrame {
  index: number;
  width: number;
  height: number;
  intervals: FrameIntervals;
}
interface PrintedFormat {
  index: number;
  guid?: string;
  frames: PrintedFrame[];
}
interface PrintedEndpoint {
  address: number;
  type: TransferType;
  wMaxPacketSize: number;
}
interface PrintedStreaming {
  formats: PrintedFormat[];
  alternates: Map<number, PrintedEndpoint[]>;
}
interface Printed {
  bcdUVC?: number;
  clockHz?: number;
  cameraControls?: number;
  processingControls?: number;
  wTotalLength?: number;
  bNumInterfaces?: number;
  device: Map<string, string>;
  streaming: Map<number, PrintedStreaming>;
}

interface TextBlock {
  heading: string;
  fields: Map<string, string[]>;
  hex?: number[];
}

const TRANSFER_NAMES: TransferType[] = ['control', 'isochronous', 'bulk', 'interrupt'];

/** Headings and hex lines; each field by its name with spaces in the index removed. */
function textBlocks(text: string): TextBlock[] {
  const blocks: TextBlock[] = [];
  let current: TextBlock | undefined;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    const hexLine = /^(?:INTERFACE CLASS|\*\* UNRECOGNIZED):\s+(.*)$/.exec(trimmed);
    if (hexLine) {
      blocks.push({
        heading: 'HEX',
        fields: new Map(),
        hex: (hexLine[1] ?? '').split(/\s+/).map((pair) => parseInt(pair, 16)),
      });
      current = undefined;
      continue;
    }
    if (/^[A-Z][A-Za-z ]*(Descriptor|Association):$/.test(trimmed)) {
      current = { heading: trimmed.slice(0, -1), fields: new Map() };
      blocks.push(current);
      continue;
    }
    const invalid = /Invalid desc subtype:\s+(.*)$/.exec(trimmed);
    if (invalid && current)
      current.hex = (invalid[1] ?? '').split(/\s+/).map((pair) => parseInt(pair, 16));
    const field = /^([A-Za-z]\w*(?:\(\s*\d+\)|\[\s*\d+\])?)\s+(\S+)/.exec(trimmed);
    if (field && current) {
      const name = (field[1] ?? '').replace(/\s/g, '');
      current.fields.set(name, [...(current.fields.get(name) ?? []), field[2] ?? '']);
    }
  }
  return blocks;
}

const num = (value: string | undefined): number =>
  value?.startsWith('0x') ? parseInt(value, 16) : Number(value);
const bcdNumber = (value: string | undefined): number => {
  const [major = '0', minor = '0'] = (value ?? '').split('.');
  return (parseInt(major, 16) << 8) | parseInt(minor, 16);
};

/** Old lsusb printed GUIDs in wire order; the FOURCC and DirectShow families show which. */
function guidAsString(printed: string): string {
  const guid = printed.replace(/[{}]/g, '').toLowerCase();
  const wireOrder =
    guid.endsWith('-0000-1000-8000-00aa00389b71') || guid.endsWith('-4f52-ce11-9f53-0020af0ba770');
  if (!wireOrder) return guid;
  const digits = guid.replace(/-/g, '');
  const pair = (index: number): string => digits.slice(2 * index, 2 * index + 2);
  return `${[3, 2, 1, 0].map(pair).join('')}-${pair(5)}${pair(4)}-${pair(7)}${pair(6)}-${guid.slice(19)}`;
}

function wireGuidAsString(bytes: number[]): string {
  const h = (index: number): string => (bytes[index] ?? 0).toString(16).padStart(2, '0');
  return `${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-${[10, 11, 12, 13, 14, 15].map(h).join('')}`;
}

function readPrinted(text: string, swapped: boolean): Printed {
  const printed: Printed = { device: new Map(), streaming: new Map() };
  let iface = { number: -1, alt: 0, cls: 0, sub: 0 };
  const streaming = (): PrintedStreaming => {
    const found = printed.streaming.get(iface.number) ?? { formats: [], alternates: new Map() };
    printed.streaming.set(iface.number, found);
    return found;
  };
  const addFrame = (frame: PrintedFrame): void => streaming().formats.at(-1)?.frames.push(frame);

  for (const block of textBlocks(text)) {
    const f = (name: string): string | undefined => block.fields.get(name)?.[0];
    const subtype = num(f('bDescriptorSubtype'));
    if (block.heading === 'Device Descriptor') {
      for (const [name, values] of block.fields) printed.device.set(name, values[0] ?? '');
    } else if (block.heading === 'Configuration Descriptor') {
      printed.wTotalLength = num(f('wTotalLength'));
      printed.bNumInterfaces = num(f('bNumInterfaces'));
    } else if (block.heading === 'Interface Descriptor') {
      iface = {
        number: num(f('bInterfaceNumber')),
        alt: num(f('bAlternateSetting')),
        cls: num(f('bInterfaceClass')),
        sub: num(f('bInterfaceSubClass')),
      };
      if (iface.cls === 14 && iface.sub === 2) streaming().alternates.set(iface.alt, []);
    } else if (block.heading === 'Endpoint Descriptor' && iface.cls === 14 && iface.sub === 2) {
      const packet = num(f('wMaxPacketSize'));
      streaming()
        .alternates.get(iface.alt)
        ?.push({
          address: num(f('bEndpointAddress')),
          type: TRANSFER_NAMES[num(f('bmAttributes')) & 3] ?? 'control',
          wMaxPacketSize: swapped ? swap16(packet) : packet,
        });
    } else if (block.heading === 'VideoControl Interface Descriptor') {
      if (subtype === 1) {
        printed.bcdUVC = bcdNumber(f('bcdUVC'));
        printed.clockHz = Math.round(parseFloat(f('dwClockFrequency') ?? '') * 1e6);
      }
      if (subtype === 2 && f('wTerminalType') === '0x0201')
        printed.cameraControls = num(f('bmControls'));
      if (subtype === 5) printed.processingControls = num(f('bmControls'));
    } else if (block.heading === 'VideoStreaming Interface Descriptor') {
      if (subtype === 4 || subtype === 16)
        streaming().formats.push({
          index: num(f('bFormatIndex')),
          guid: guidAsString(f('guidFormat') ?? ''),
          frames: [],
        });
      if (subtype === 6) streaming().formats.push({ index: num(f('bFormatIndex')), frames: [] });
      // FORMAT_H264 (UVC 1.5), shown by lsusb as undecoded hex from offset 3 (bFormatIndex).
      if (subtype === 0x13) streaming().formats.push({ index: block.hex?.[0] ?? -1, frames: [] });
      if (subtype === 5 || subtype === 7 || subtype === 17) {
        const discrete = block.fields.get('dwFrameInterval(0)') !== undefined;
        const values = [...block.fields.entries()]
          .filter(([name]) => name.startsWith('dwFrameInterval('))
          .map(([, [value]]) => num(value));
        addFrame({
          index: num(f('bFrameIndex')),
          width: num(f('wWidth')),
          height: num(f('wHeight')),
          intervals: discrete
            ? { kind: 'discrete', values }
            : {
                kind: 'continuous',
                min: num(f('dwMinFrameInterval')),
                max: num(f('dwMaxFrameInterval')),
                step: num(f('dwFrameIntervalStep')),
              },
        });
      }
    } else if (block.heading === 'HEX' && block.hex && iface.cls === 14 && iface.sub === 2) {
      readHexStreamingDescriptor(block.hex, streaming(), addFrame);
    }
  }
  return printed;
}

/** VS descriptors old lsusb shows only in hex (`INTERFACE CLASS:`), read at their offsets. */
function readHexStreamingDescriptor(
  bytes: number[],
  target: PrintedStreaming,
  addFrame: (frame: PrintedFrame) => void,
): void {
  const at = (offset: number, size: number): number => {
    let value = 0;
    for (let index = size - 1; index >= 0; index -= 1)
      value = value * 256 + (bytes[offset + index] ?? 0);
    return value;
  };
  const subtype = bytes[2];
  if (bytes[1] !== 0x24) return;
  if (subtype === 4 || subtype === 16)
    target.formats.push({
      index: at(3, 1),
      guid: wireGuidAsString(bytes.slice(5, 21)),
      frames: [],
    });
  if (subtype === 6) target.formats.push({ index: at(3, 1), frames: [] });
  if (subtype === 5 || subtype === 7 || subtype === 17) {
    const typeAt = subtype === 17 ? 21 : 25;
    const count = at(typeAt, 1);
    addFrame({
      index: at(3, 1),
      width: at(5, 2),
      height: at(7, 2),
      intervals:
        count === 0
          ? { kind: 'continuous', min: at(26, 4), max: at(30, 4), step: at(34, 4) }
          : {
              kind: 'discrete',
              values: Array.from({ length: count }, (_, index) => at(26 + 4 * index, 4)),
            },
    });
  }
}

/** A CT/PU bitmap as lsusb prints it: the last three bytes, little-endian. */
function foldedControls(bytes: Uint8Array): number {
  const last = bytes.subarray(Math.max(0, bytes.length - 3));
  return last.reduceRight((value, byte) => value * 256 + byte, 0);
}

function modelOf(file: string): { model: CameraModel; notes: string[]; configuration: Uint8Array } {
  const result = parseLsusbReport(dump(file));
  return {
    model: parseConfiguration(result.configuration, result.device),
    notes: result.notes,
    configuration: result.configuration,
  };
}

// ------------------------------------------------------------------------------------------

describe('parseLsusbReport on the real lsusb dumps', () => {
  it('finds every lsusb dump INDEX.tsv lists', () => {
    const index = readFileSync(join(descriptorsDir, 'INDEX.tsv'), 'utf8');
    const listed = index
      .split('\n')
      .map((line) => line.split('\t')[0] ?? '')
      .filter((file) => file.endsWith('.lsusb.txt'));
    expect(dumps).toEqual([...listed].sort());
    expect(dumps.length).toBeGreaterThanOrEqual(15);
  });

  it.each(dumps)(
    '%s: the model matches the printed formats, frames, endpoints and controls',
    (file) => {
      const printed = readPrinted(dump(file), file === BIG_ENDIAN_HOST);
      const { model } = modelOf(file);
      expect(model.functions).toHaveLength(1);
      const fn = model.functions[0];
      if (fn === undefined) return;

      const vc = fn.videoControl;
      expect(vc.bcdUVC).toBe(printed.bcdUVC);
      expect(vc.dwClockFrequency).toBe(printed.clockHz);
      const camera = vc.entities.find(
        (entity): entity is InputTerminal =>
          entity.type === 'inputTerminal' && entity.camera !== undefined,
      );
      const processing = vc.entities.find(
        (entity): entity is ProcessingUnit => entity.type === 'processingUnit',
      );
      expect(camera?.camera && foldedControls(camera.camera.bmControls)).toBe(
        printed.cameraControls,
      );
      expect(processing && foldedControls(processing.bmControls)).toBe(printed.processingControls);

      expect(fn.streaming.length).toBeGreaterThan(0);
      for (const vs of fn.streaming) {
        const expected = printed.streaming.get(vs.bInterfaceNumber);
        expect(expected, `VS interface ${vs.bInterfaceNumber}`).toBeDefined();
        const formats = vs.formats.map((format) => ({
          index: format.bFormatIndex,
          ...(format.guidFormat === undefined ? {} : { guid: format.guidFormat }),
          frames: format.frames.map((frame) => ({
            index: frame.bFrameIndex,
            width: frame.wWidth,
            height: frame.wHeight,
            intervals: frame.intervals,
          })),
        }));
        expect(formats).toEqual(expected?.formats);
        const alternates = new Map(
          vs.alternateSettings.map((alt) => [
            alt.bAlternateSetting,
            alt.endpoints.map((endpoint) => ({
              address: endpoint.bEndpointAddress,
              type: endpoint.transferType,
              wMaxPacketSize: endpoint.wMaxPacketSize,
            })),
          ]),
        );
        expect(alternates).toEqual(expected?.alternates);
      }
    },
  );

  it.each(dumps)(
    '%s: wTotalLength, bNumInterfaces and the device descriptor are as printed',
    (file) => {
      const text = dump(file);
      const printed = readPrinted(text, false);
      const result = parseLsusbReport(text);
      const { configuration, device } = result;
      const wTotalLength = configuration[2]! | (configuration[3]! << 8);
      expect(configuration.length).toBe(wTotalLength);
      expect(wTotalLength).toBe(
        file === BIG_ENDIAN_HOST ? swap16(printed.wTotalLength ?? 0) : printed.wTotalLength,
      );
      expect(configuration[4]).toBe(printed.bNumInterfaces);

      expect(device).toHaveLength(18);
      const d = device ?? new Uint8Array(18);
      const word = (offset: number): number => d[offset]! | (d[offset + 1]! << 8);
      expect(word(8)).toBe(num(printed.device.get('idVendor')));
      expect(word(10)).toBe(num(printed.device.get('idProduct')));
      expect(word(2)).toBe(bcdNumber(printed.device.get('bcdUSB')));
      expect(word(12)).toBe(bcdNumber(printed.device.get('bcdDevice')));
      expect(d[7]).toBe(num(printed.device.get('bMaxPacketSize0')));
      expect(d[15]).toBe(num(printed.device.get('iProduct')));
      expect(d[16]).toBe(num(printed.device.get('iSerial')));
      expect(d[17]).toBe(num(printed.device.get('bNumConfigurations')));
    },
  );

  it('rebuilds the 11-byte UVC 1.0 processing units whatever lsusb printed after its warning', () => {
    let seen = 0;
    for (const file of dumps) {
      const text = dump(file);
      const match =
        /PROCESSING_UNIT\)\s*\n\s*Warning: Descriptor too short[\s\S]*?bmVideoStandards\s+0x\s*([0-9a-f]+)/.exec(
          text,
        );
      const { configuration, model } = modelOf(file);
      const unit = model.functions[0]?.videoControl.entities.find(
        (entity): entity is ProcessingUnit => entity.type === 'processingUnit',
      );
      const start = findDescriptor(configuration, (d) => d[1] === 0x24 && d[2] === 0x05);
      if (match === null || start < 0 || configuration[start] !== 11) continue;
      seen += 1;
      // The printed bmVideoStandards is the first byte (bLength) of the next class descriptor
      // (after the last one of the interface, lsusb read past its buffer).
      if (configuration[start + 12] === 0x24)
        expect(configuration[start + 11], file).toBe(parseInt(match[1] ?? '', 16));
      expect(unit?.bmVideoStandards, file).toBeUndefined();
      expect(unit?.bmControls, file).toHaveLength(2);
    }
    expect(seen).toBeGreaterThanOrEqual(10);
  });
});

/** Offset of the first descriptor of the configuration for which `test` holds, or -1. */
function findDescriptor(config: Uint8Array, test: (descriptor: Uint8Array) => boolean): number {
  let offset = 0;
  while (offset + 2 <= config.length && (config[offset] ?? 0) >= 2) {
    if (test(config.subarray(offset, offset + (config[offset] ?? 0)))) return offset;
    offset += config[offset] ?? 0;
  }
  return -1;
}

function allDescriptors(config: Uint8Array): Uint8Array[] {
  const list: Uint8Array[] = [];
  let offset = 0;
  while (offset + 2 <= config.length && (config[offset] ?? 0) >= 2) {
    list.push(config.subarray(offset, offset + (config[offset] ?? 0)));
    offset += config[offset] ?? 0;
  }
  return list;
}

describe('concrete facts of the dumps', () => {
  it('Logitech C920: old GUID order, frame-based H.264, hidden VC endpoint, strings', () => {
    const result = parseLsusbReport(dump('logitech_c920_046d-082d.lsusb.txt'));
    const model = parseConfiguration(result.configuration, result.device);
    expect(model.device).toMatchObject({
      idVendor: 0x046d,
      idProduct: 0x082d,
      bcdUSB: 0x0200,
      bcdDevice: 0x0011,
      iProduct: 2,
      iSerialNumber: 1,
      iManufacturer: 0,
    });
    expect(result.strings).toEqual({ 1: '<SERIAL>', 2: 'HD Pro Webcam C920' });
    expect(result.configuration).toHaveLength(3452);
    expect(model.bMaxPower).toBe(250);

    const fn = model.functions[0];
    const formats = fn?.streaming[0]?.formats ?? [];
    expect(formats.map((format) => [format.kind, format.pixelFormat, format.guidFormat])).toEqual([
      ['uncompressed', 'YUYV', '32595559-0000-0010-8000-00aa00389b71'],
      ['frameBased', 'H264', '34363248-0000-0010-8000-00aa00389b71'],
      ['mjpeg', 'MJPEG', undefined],
    ]);
    expect(formats.map((format) => format.frames.length)).toEqual([19, 17, 17]);
    const h264 = formats[1]?.frames[0];
    expect(h264?.dwBytesPerLine).toBe(0);
    expect(h264?.dwMaxVideoFrameBufferSize).toBeUndefined();

    // Extension unit GUIDs were printed in wire order too: Logitech's {23e49ed0-1178-4f31-…}.
    const units =
      fn?.videoControl.entities.filter((entity) => entity.type === 'extensionUnit') ?? [];
    expect(units).toHaveLength(6);
    expect(units[0]).toMatchObject({
      bUnitID: 6,
      guidExtensionCode: '23e49ed0-1178-4f31-ae52-d2fb8a8d3b48',
      bNumControls: 10,
    });

    // Old lsusb hides the class-specific interrupt endpoint: rebuilt after EP 0x83.
    const endpoint = findDescriptor(result.configuration, (d) => d[1] === 0x05 && d[2] === 0x83);
    expect(hex(result.configuration.subarray(endpoint, endpoint + 12))).toBe(
      '07 05 83 03 40 00 08 05 25 03 40 00',
    );
    expect(fn?.videoControl.statusEndpoint?.wMaxPacketSize).toBe(64);

    const alternates = fn?.streaming[0]?.alternateSettings ?? [];
    expect(alternates.map((alt) => alt.bAlternateSetting)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    ]);
    expect(alternates[11]?.endpoints[0]).toMatchObject({
      wMaxPacketSize: 0x13fc,
      maxPacketSize: 1020,
      transactionsPerMicroframe: 3,
    });
    expect(result.notes.some((note) => note.includes('bmaControls(n) shows 27'))).toBe(true);
  });

  it('Realtek 0bda:5602: raw INTERFACE CLASS bytes and the 0xFF vendor descriptor are kept exactly', () => {
    const text = dump('realtek_integrated_webcam_dell_xps12_bulk_0bda-5602.lsusb.txt');
    const result = parseLsusbReport(text);
    const config = result.configuration;
    const lines = [...text.matchAll(/(?:INTERFACE CLASS|\*\* UNRECOGNIZED):\s+(.*)/g)].map(
      (match) => (match[1] ?? '').trim(),
    );
    expect(lines).toHaveLength(28);
    const descriptors = allDescriptors(config).map((descriptor) => hex(descriptor));
    for (const line of lines) expect(descriptors).toContain(line);

    // The vendor block sits right after the configuration header; the VS descriptors after the endpoint.
    expect(hex(config.subarray(9, 13))).toBe('28 ff 42 49');
    const endpoint = findDescriptor(config, (d) => d[1] === 0x05 && d[2] === 0x81);
    expect(hex(config.subarray(endpoint, endpoint + 9))).toBe('07 05 81 02 00 02 01 0f 24');
    expect(config).toHaveLength(1058);

    const model = parseConfiguration(config, result.device);
    const vs = model.functions[0]?.streaming[0];
    expect(vs?.alternateSettings).toHaveLength(1);
    expect(vs?.alternateSettings[0]?.endpoints[0]).toMatchObject({
      bEndpointAddress: 0x81,
      transferType: 'bulk',
      wMaxPacketSize: 512,
    });
    expect(vs?.formats.map((format) => [format.pixelFormat, format.frames.length])).toEqual([
      ['YUYV', 10],
      ['MJPEG', 10],
    ]);
    expect(vs?.inputHeader).toMatchObject({
      bTerminalLink: 3,
      bmaControls: [Uint8Array.of(0), Uint8Array.of(0)],
    });
    expect(
      model.functions[0]?.videoControl.entities
        .filter((entity) => entity.type === 'extensionUnit')
        .map((unit) => unit.type === 'extensionUnit' && unit.guidExtensionCode),
    ).toEqual(['1229a78c-47b4-4094-b0ce-db07386fb938', '0fb885c3-68c2-4547-90f7-8f47579d95fc']);
    expect(result.strings).toMatchObject({
      1: 'Integrated Webcam',
      3: 'Generic',
      4: 'USB Camera',
      5: 'Integrated Webcam',
    });
  });

  it('Apple iSight: UYVY in old GUID order and continuous intervals on every frame', () => {
    const { model, configuration } = modelOf('apple_builtin_isight_05ac-8501.lsusb.txt');
    const format = model.functions[0]?.streaming[0]?.formats[0];
    expect(format).toMatchObject({
      kind: 'uncompressed',
      pixelFormat: 'UYVY',
      guidFormat: '59565955-0000-0010-8000-00aa00389b71',
    });
    const start = findDescriptor(configuration, (d) => d[1] === 0x24 && d[2] === 0x04);
    expect(hex(configuration.subarray(start + 5, start + 21))).toBe(
      '55 59 56 59 00 00 10 00 80 00 00 aa 00 38 9b 71',
    );
    expect(format?.frames.map((frame) => [frame.wWidth, frame.wHeight, frame.intervals])).toEqual([
      [640, 480, { kind: 'continuous', min: 333333, max: 333333, step: 0 }],
      [352, 288, { kind: 'continuous', min: 333333, max: 333333, step: 0 }],
      [320, 240, { kind: 'continuous', min: 333333, max: 333333, step: 0 }],
    ]);
    const frames = allDescriptors(configuration).filter(
      (d) => d[1] === 0x24 && d[2] === 0x05 && d.length > 11,
    );
    expect(frames.map((frame) => frame.length)).toEqual([38, 38, 38]);
    // The 16-byte camera terminal has a one-byte bmControls.
    const camera = allDescriptors(configuration).find((d) => d[2] === 0x02 && d[1] === 0x24);
    expect(hex(camera ?? [])).toBe('10 24 02 01 01 02 00 00 00 00 00 00 00 00 01 00');
  });

  it('Logitech C920: the 11-byte processing unit comes out as UVC 1.0 defines it', () => {
    const { configuration } = modelOf('logitech_c920_046d-082d.lsusb.txt');
    const start = findDescriptor(configuration, (d) => d[1] === 0x24 && d[2] === 0x05);
    expect(hex(configuration.subarray(start, start + 12))).toBe(
      '0b 24 05 03 01 00 40 02 5b 17 00 1b',
    );
  });

  it('MacroSilicon 534d:0021: newer lsusb in string GUID order is rebuilt without a single guess', () => {
    const result = parseLsusbReport(dump('macrosilicon_easycap_av2usb_534d-0021.lsusb.txt'));
    expect(result.notes).toEqual([]);
    const model = parseConfiguration(result.configuration, result.device);
    const vs = model.functions[0]?.streaming[0];
    expect(vs?.formats.map((format) => format.pixelFormat)).toEqual(['MJPEG', 'YUYV']);
    expect(model.functions[0]?.videoControl.statusEndpoint).toBeUndefined();
    // HID and UAC1 class descriptors are rebuilt, not padded.
    const hid = findDescriptor(result.configuration, (d) => d[1] === 0x21);
    expect(hex(result.configuration.subarray(hid, hid + 9))).toBe('09 21 10 01 21 01 22 17 00');
    const format = findDescriptor(
      result.configuration,
      (d) => d[1] === 0x24 && d[2] === 0x02 && d[0] === 11,
    );
    expect(hex(result.configuration.subarray(format, format + 11))).toBe(
      '0b 24 02 01 01 02 10 01 00 77 01',
    );
  });

  it('MSI StarCam Racer: the words of a big-endian host are swapped back', () => {
    const { model, notes, configuration } = modelOf(BIG_ENDIAN_HOST);
    expect(configuration).toHaveLength(1005);
    expect(notes.some((note) => note.includes('big-endian'))).toBe(true);
    const packets = model.functions[0]?.streaming[0]?.alternateSettings.map(
      (alt) => alt.endpoints[0]?.wMaxPacketSize,
    );
    expect(packets).toEqual([undefined, 0x0080, 0x0100, 0x0320, 0x0b20, 0x1320, 0x1400]);
    expect(model.functions[0]?.videoControl.statusEndpoint?.wMaxPacketSize).toBe(16);
  });

  it('Surface Pro 3: descriptors lsusb shows as undecoded hex (encoding unit, H.264) are exact', () => {
    const text = dump('microsoft_surface_pro3_camera_045e-07be.lsusb.txt');
    const { model, configuration } = modelOf('microsoft_surface_pro3_camera_045e-07be.lsusb.txt');
    const unit = findDescriptor(
      configuration,
      (d) => d[1] === 0x24 && d[2] === 0x07 && d[0] === 13,
    );
    expect(hex(configuration.subarray(unit, unit + 13))).toBe(
      '0d 24 07 0b 04 00 03 cd 3e 00 cd 3e 00',
    );
    expect(
      model.functions[0]?.videoControl.entities.find((entity) => entity.type === 'encodingUnit'),
    ).toMatchObject({ bUnitID: 11, bSourceID: 4 });
    const printed = [
      ...text.matchAll(/bDescriptorSubtype\s+(19|20)\s+Invalid desc subtype: (.*)/g),
    ].map((match) => [Number(match[1]), (match[2] ?? '').trim()]);
    expect(printed.length).toBeGreaterThan(10);
    const h264 = allDescriptors(configuration).filter(
      (d) => d[1] === 0x24 && (d[2] === 0x13 || d[2] === 0x14),
    );
    expect(h264.map((d) => [d[2], hex(d.subarray(3))])).toEqual(printed);
    expect(model.functions[0]?.videoControl.bcdUVC).toBe(0x0150);
  });

  it('QuickCam Pro 9000: an unrecognised descriptor inside the VideoControl interface is kept', () => {
    const { configuration } = modelOf('logitech_quickcam_pro9000_046d-0809.lsusb.txt');
    const odd = findDescriptor(configuration, (d) => d[1] === 0x41);
    expect(hex(configuration.subarray(odd, odd + 32))).toBe(
      '20 41 01 0b 82 06 61 63 70 50 ab 49 b8 cc b3 85 5e 8d 22 55 01 01 04 03 01 00 00 00 00 00 00 00',
    );
  });

  it('Phytec CAM 004H: bytes wTotalLength counts but lsusb never showed become placeholders', () => {
    const result = parseLsusbReport(dump('phytec_cam004h_theimagingsource_199e-8302.lsusb.txt'));
    expect(result.configuration).toHaveLength(349);
    expect(result.notes.some((note) => note.includes('50 bytes the dump does not show'))).toBe(
      true,
    );
    const unrecognised = allDescriptors(result.configuration)
      .filter((d) => d[1] === 0x23 || d[1] === 0xac)
      .map((d) => d.length);
    expect(unrecognised).toEqual([2, 32]);
    const model = parseConfiguration(result.configuration, result.device);
    expect(model.functions[0]?.streaming[0]?.formats[0]).toMatchObject({
      kind: 'frameBased',
      pixelFormat: 'GRBG',
    });
  });

  it('USB 3 cameras: SuperSpeed companions follow their endpoints', () => {
    const { model } = modelOf('hd_camera_usb3_bulk_4e45-5501.lsusb.txt');
    const endpoint = model.functions[0]?.streaming[0]?.alternateSettings[0]?.endpoints[0];
    expect(endpoint).toMatchObject({
      transferType: 'bulk',
      wMaxPacketSize: 1024,
      superSpeed: { bMaxBurst: 15, bmAttributes: 0, wBytesPerInterval: 0 },
    });
    const bgr = modelOf(
      'usb3_bgr24_camera_2935-0001.lsusb.txt',
    ).model.functions[0]?.streaming[0]?.formats.map((format) => format.pixelFormat);
    expect(bgr).toEqual(['YUYV', 'BGR24']);
  });
});

// ------------------------------------------------------------------------------------------

/**
 * Offsets old lsusb cannot show: VS input header bmaControls (it printed the byte after the
 * header), the VC interrupt endpoint's wMaxTransferSize (not printed), a companion's
 * wBytesPerInterval (not printed).
 */
function unknowableInOldLsusb(config: Uint8Array): { controls: Set<number>; other: Set<number> } {
  const controls = new Set<number>();
  const other = new Set<number>();
  let offset = 0;
  let subclass = 0;
  for (const d of allDescriptors(config)) {
    if (d[1] === 0x04) subclass = d[6] ?? 0;
    if (d[1] === 0x24 && d[2] === 0x01 && subclass === 2) {
      for (let index = 13; index < d.length; index += 1) controls.add(offset + index);
    }
    if (d[1] === 0x25 && d[2] === 0x03) [3, 4].forEach((index) => other.add(offset + index));
    if (d[1] === 0x30) [4, 5].forEach((index) => other.add(offset + index));
    offset += d.length;
  }
  return { controls, other };
}

describe('byte-exact round trips through lsusb print formats', () => {
  it('has the nine real configurations with raw bytes', () => {
    expect(rawConfigs).toHaveLength(9);
  });

  it.each(rawConfigs)('%s: newer lsusb text gives back every byte', (name) => {
    const config = raw(name, '.config.bin') ?? new Uint8Array();
    const device = raw(name, '.device.bin');
    const result = parseLsusbReport(printLsusb(device, config, 'new'));
    expect(hex(result.configuration)).toBe(hex(config));
    if (device !== undefined) expect(hex(result.device ?? [])).toBe(hex(device));
    expect(result.notes).toEqual([]);
  });

  it.each(rawConfigs)('%s: old lsusb text gives back every byte it shows', (name) => {
    const config = raw(name, '.config.bin') ?? new Uint8Array();
    const result = parseLsusbReport(
      printLsusb(raw(name, '.device.bin'), config, 'old' satisfies LsusbStyle),
    );
    expect(result.configuration).toHaveLength(config.length);
    const { controls, other } = unknowableInOldLsusb(config);
    const differing = [...config.keys()].filter(
      (offset) => config[offset] !== result.configuration[offset],
    );
    expect(differing.filter((offset) => !controls.has(offset) && !other.has(offset))).toEqual([]);
    // The bitmaps old lsusb garbled come back as 0, not as the byte it printed.
    expect(
      [...controls].map((offset) => result.configuration[offset]).filter((byte) => byte !== 0),
    ).toEqual([]);
    // Each guess is announced.
    if (differing.length > 0) expect(result.notes.length).toBeGreaterThan(0);
    expect(parseConfiguration(result.configuration)).toMatchObject({ wTotalLength: config.length });
  });

  it('reads the same bytes from Windows line endings and from mail-quoted text', () => {
    const text = dump('logitech_c920_046d-082d.lsusb.txt');
    const expected = parseLsusbReport(text).configuration;
    expect(parseLsusbReport(text.replace(/\n/g, '\r\n')).configuration).toEqual(expected);
    expect(parseLsusbReport(text.replace(/^/gm, '> ')).configuration).toEqual(expected);
  });
});

// ------------------------------------------------------------------------------------------

describe('malformed, cut and foreign text', () => {
  const bugs = readFileSync(join(fixturesDir, 'bugs.md'), 'utf8');
  const usbTreeView = readFileSync(
    join(descriptorsDir, 'logitech_c270_046d-0825.usbtreeview.txt'),
    'utf8',
  );
  const c920 = dump('logitech_c920_046d-082d.lsusb.txt');

  it('rejects text that is not an lsusb dump with INVALID_ARGUMENT', () => {
    const foreign = [
      '',
      'hello',
      bugs,
      usbTreeView,
      '\u0000\u00ff'.repeat(1000),
      '-'.repeat(200_000),
      ' '.repeat(100_000) + 'x',
    ];
    for (const text of foreign) {
      expect(isLsusbReport(text)).toBe(false);
      const error = catchError(() => parseLsusbReport(text));
      expect(error.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
      expect(error.message).toMatch(
        /not an lsusb -v dump; expected .*Device Descriptor:.*; found /,
      );
    }
    expect(catchError(() => parseLsusbReport(usbTreeView)).message).toContain('UsbTreeView report');
    expect(catchError(() => parseLsusbReport(42 as unknown as string)).code).toBe(
      CameraErrorCode.INVALID_ARGUMENT,
    );
    expect(isLsusbReport(42)).toBe(false);
  });

  it('recognises every real dump', () => {
    for (const file of dumps) expect(isLsusbReport(dump(file)), file).toBe(true);
  });

  it('rejects a dump without a configuration', () => {
    const deviceOnly = c920.slice(0, c920.indexOf('Configuration Descriptor:'));
    expect(isLsusbReport(deviceOnly)).toBe(true);
    const error = catchError(() => parseLsusbReport(deviceOnly));
    expect(error.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
    expect(error.message).toMatch(/has no configuration; expected .*Configuration Descriptor:/);
  });

  it('rejects a value that does not fit its field, naming the line', () => {
    const text = c920.replace(/bNumInterfaces          4/, 'bNumInterfaces        400');
    const error = catchError(() => parseLsusbReport(text));
    expect(error.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
    expect(error.message).toMatch(/lsusb line \d+: field bNumInterfaces is not a 8-bit value/);
  });

  it('rebuilds what a cut dump holds with a note, or rejects it, and never crashes', () => {
    const lines = c920.split('\n');
    let rebuilt = 0;
    for (let cut = 1; cut < lines.length; cut += 37) {
      for (const text of [
        lines.slice(0, cut).join('\n'),
        `${lines.slice(0, cut).join('\n')}\n${(lines[cut] ?? '').slice(0, 14)}`,
      ]) {
        let result;
        try {
          result = parseLsusbReport(text);
        } catch (error) {
          expect(error, `cut at line ${cut}`).toBeInstanceOf(CameraError);
          expect((error as CameraError).code).toBe(CameraErrorCode.INVALID_ARGUMENT);
          continue;
        }
        rebuilt += 1;
        const length = result.configuration[2]! | (result.configuration[3]! << 8);
        expect(length, `cut at line ${cut}`).toBe(result.configuration.length);
        expect(result.configuration.length).toBeLessThanOrEqual(3452);
        expect(result.notes.length, `cut at line ${cut}`).toBeGreaterThan(0);
        try {
          parseConfiguration(result.configuration, result.device);
        } catch (error) {
          expect(error).toBeInstanceOf(CameraError);
        }
      }
    }
    expect(rebuilt).toBeGreaterThan(60);
  });

  it('picks the camera out of a whole-system dump', () => {
    // A root hub as lsusb prints one (USB 2.0 §11.23.1 descriptors), then the C920.
    const hubDevice = Uint8Array.of(
      18,
      1,
      0,
      2,
      9,
      0,
      1,
      64,
      0x6b,
      0x1d,
      2,
      0,
      0x15,
      5,
      3,
      2,
      1,
      1,
    );
    const hubConfig = Uint8Array.of(
      9,
      2,
      25,
      0,
      1,
      1,
      0,
      0xe0,
      0,
      9,
      4,
      0,
      0,
      1,
      9,
      0,
      0,
      0,
      7,
      5,
      0x81,
      3,
      4,
      0,
      12,
    );
    const system = `${printLsusb(hubDevice, hubConfig, 'new')}\n${c920}`;
    const hubOnly = parseLsusbReport(printLsusb(hubDevice, hubConfig, 'new'));
    expect(hex(hubOnly.configuration)).toBe(hex(hubConfig));
    const result = parseLsusbReport(system);
    expect(result.configuration).toEqual(parseLsusbReport(c920).configuration);
    expect(result.notes[0]).toMatch(
      /^The dump holds 2 devices; used Bus 001 Device 018: ID 046d:082d/,
    );
  });

  it('rejects a dump that adds up to more than a configuration can hold', () => {
    const block =
      '      VideoControl Interface Descriptor:\n        bLength 255\n        bDescriptorType 36\n        bDescriptorSubtype 99\n';
    const text = c920.replace(
      '    Interface Descriptor:',
      `${block.repeat(300)}    Interface Descriptor:`,
    );
    const error = catchError(() => parseLsusbReport(text));
    expect(error.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
    expect(error.message).toMatch(/too large for USB; expected at most 65535 bytes/);
  });

  it('drops a frame cut inside its list of intervals', () => {
    const lines = c920.split('\n');
    const cut = lines.findIndex((line) => line.includes('dwFrameInterval( 3)'));
    const result = parseLsusbReport(lines.slice(0, cut).join('\n'));
    expect(result.notes[0]).toMatch(
      /^The dump ends inside VideoStreaming Interface Descriptor \(subtype 5\) at line \d+ \(no dwFrameInterval\(3\)\); left it out\.$/,
    );
    const model = parseConfiguration(result.configuration, result.device);
    expect(model.functions[0]?.streaming[0]?.formats[0]?.frames).toEqual([]);
  });

  it('survives edited dumps: missing fields, stray hex, huge lines and junk values', () => {
    const edits = [
      c920.replace(/^\s*wWidth\s+640\n/m, ''),
      c920.replace(/bLength                27/, 'bLength                 1'),
      c920.replace(/guidFormat\s+\{59555932[^}]*\}/, 'guidFormat {nonsense}'),
      c920.replace('Endpoint Descriptor:', `Endpoint Descriptor:\n${'0'.repeat(100_000)}`),
      c920.replace(
        'Interface Descriptor:',
        `** UNRECOGNIZED: ${'ff '.repeat(300)}\n    Interface Descriptor:`,
      ),
      c920.replace(/dwFrameInterval\( 0\)\s+333333/, 'dwFrameInterval( 0) 99999999999999'),
      `${c920}\n${c920}`,
    ];
    for (const text of edits) {
      try {
        const result = parseLsusbReport(text);
        expect(result.configuration.length).toBeLessThanOrEqual(0xffff);
      } catch (error) {
        expect(error).toBeInstanceOf(CameraError);
        expect((error as CameraError).code).toBe(CameraErrorCode.INVALID_ARGUMENT);
      }
    }
    const missing = parseLsusbReport(edits[0] ?? '');
    expect(missing.notes.some((note) => note.includes('lacks wWidth'))).toBe(true);
  });
});
