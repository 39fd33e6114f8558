/**
 * The descriptor parser against every real camera in the fixtures.
 *
 * Two independent references: `raw/<name>.decoded.txt` (one descriptor per line, summary and
 * raw bytes) and, where a camera has one, the UsbTreeView report, whose decoded fields come
 * from UsbTreeView itself. Both are read here with code that shares nothing with the parser.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { CameraError, CameraErrorCode, isCameraError } from '../src/errors.js';
import { parseConfiguration, parseDeviceDescriptor } from '../src/uvc/descriptors.js';
import { fourccOf, guidFromString, guidToString, pixelFormatOfGuid } from '../src/uvc/guids.js';
import type {
  CameraModel,
  EndpointInfo,
  FormatDescriptor,
  FrameDescriptor,
  VideoStreamingInterface,
} from '../src/uvc/model.js';
import { fixturesDir, rawDescriptorsDir } from './fixtures.js';

const descriptorsDir = join(fixturesDir, 'descriptors');
const syntheticDir = join(rawDescriptorsDir, 'synthetic');
const C310 = 'logitech_c310_046d-081b';
const C270 = 'logitech_c270_046d-0825';

/** Base names of the raw files with the given suffix, e.g. `logitech_c310_046d-081b`. */
function rawNames(suffix: string, exclude?: string): string[] {
  return readdirSync(rawDescriptorsDir)
    .filter((file) => file.endsWith(suffix) && (exclude === undefined || !file.endsWith(exclude)))
    .map((file) => file.slice(0, -suffix.length))
    .sort();
}

const cameraNames = rawNames('.config.bin', '.other_speed_config.bin');
const otherSpeedNames = rawNames('.other_speed_config.bin');
const reportNames = readdirSync(descriptorsDir)
  .filter((file) => file.endsWith('.usbtreeview.txt'))
  .map((file) => file.replace(/\.usbtreeview\.txt$/, ''))
  .sort();

function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

function rawFile(name: string, suffix: string): Uint8Array | undefined {
  const path = join(rawDescriptorsDir, `${name}${suffix}`);
  return existsSync(path) ? readBytes(path) : undefined;
}

function requireFile(name: string, suffix: string): Uint8Array {
  const bytes = rawFile(name, suffix);
  if (bytes === undefined) throw new Error(`missing fixture ${name}${suffix}`);
  return bytes;
}

function parseCamera(name: string, suffix = '.config.bin'): CameraModel {
  return parseConfiguration(requireFile(name, suffix), rawFile(name, '.device.bin'));
}

function u16(bytes: ArrayLike<number>, offset: number): number {
  return (bytes[offset] ?? 0) + (bytes[offset + 1] ?? 0) * 0x100;
}

function u32(bytes: ArrayLike<number>, offset: number): number {
  return u16(bytes, offset) + u16(bytes, offset + 2) * 0x10000;
}

/** `1.00` for 0x0100, `2.10` for 0x0210. */
function bcd(value: number): string {
  return `${value >> 8}.${(value & 0xff).toString(16).padStart(2, '0')}`;
}

function streamingInterfaces(model: CameraModel): VideoStreamingInterface[] {
  return model.functions.flatMap((fn) => fn.streaming);
}

function streamingInterface(model: CameraModel, number: number): VideoStreamingInterface {
  const found = streamingInterfaces(model).find((vs) => vs.bInterfaceNumber === number);
  if (found === undefined) throw new Error(`no streaming interface ${number} in the model`);
  return found;
}

const FORMAT_KINDS: Record<string, FormatDescriptor['kind']> = {
  UNCOMPRESSED: 'uncompressed',
  MJPEG: 'mjpeg',
  FRAME_BASED: 'frameBased',
};

const TRANSFER_NAMES: Record<string, EndpointInfo['transferType']> = {
  ISOC: 'isochronous',
  BULK: 'bulk',
  INT: 'interrupt',
};

// ------------------------------------------------------------------------------------------
// Reference 1: raw/<name>.decoded.txt.

interface RefIntervals {
  type: number;
  values?: number[];
  range?: { min: number; max: number; step: number };
}

interface RefFrame {
  subtype: string;
  index: number;
  width: number;
  height: number;
  still: boolean;
  intervals: RefIntervals;
}

interface RefFormat {
  subtype: string;
  index: number;
  declaredFrames: number;
  guid?: string;
  frames: RefFrame[];
  stills: Array<Array<{ wWidth: number; wHeight: number }>>;
}

interface RefEndpoint {
  address: number;
  transfer: string;
  wMaxPacketSize: number;
  transactions: number;
  size: number;
  bInterval: number;
}

interface RefInterface {
  number: number;
  subclass: number;
  formats: RefFormat[];
  alternates: Map<number, RefEndpoint[]>;
}

interface DecodedReference {
  device?: { bcdUSB: string; idVendor: number; idProduct: number };
  wTotalLength: number;
  bcdUVC: string[];
  interfaces: Map<number, RefInterface>;
}

const DECODED = {
  device: /^DEVICE .*bcdUSB=(\S+) idVendor=0x([0-9a-f]+) idProduct=0x([0-9a-f]+)/,
  configuration: /^CONFIGURATION wTotalLength=(\d+)/,
  header: /^VC VC_HEADER bcdUVC=(\S+)/,
  interface: /^INTERFACE (\d+) alt (\d+) eps=\d+ class=(\d+) sub=(\d+)/,
  endpoint:
    /^ENDPOINT 0x([0-9a-f]+) (\w+) wMaxPacketSize=0x([0-9a-f]+) \((\d+)x(\d+)\) bInterval=(\d+)/,
  format: /^VS FORMAT_(\w+) idx=(\d+) nframes=(\d+)(?: guid=\{([0-9a-f-]+)\})?/,
  frame: /^VS FRAME_(\w+) idx=(\d+) (\d+)x(\d+) bFrameIntervalType=(\d+)( still)?/,
  still: /^VS STILL_IMAGE_FRAME/,
} as const;

/** The hex bytes at the end of a decoded.txt line: the run whose first byte equals its length. */
function trailingDescriptor(line: string): number[] {
  const tokens = line.trim().split(/\s+/);
  let start = tokens.length;
  while (start > 0 && /^[0-9a-f]{2}$/.test(tokens[start - 1] ?? '')) start -= 1;
  const run = tokens.slice(start).map((token) => parseInt(token, 16));
  for (let index = 0; index < run.length; index += 1) {
    if (run[index] === run.length - index) return run.slice(index);
  }
  return [];
}

/** Intervals read from a FRAME_* descriptor's bytes: they start at byte 26 in all three layouts. */
function refIntervals(bytes: number[], type: number): RefIntervals {
  if (type === 0) {
    return { type, range: { min: u32(bytes, 26), max: u32(bytes, 30), step: u32(bytes, 34) } };
  }
  const values: number[] = [];
  for (let index = 0; index < type; index += 1) values.push(u32(bytes, 26 + 4 * index));
  return { type, values };
}

function refStill(bytes: number[]): Array<{ wWidth: number; wHeight: number }> {
  const sizes: Array<{ wWidth: number; wHeight: number }> = [];
  for (let index = 0; index < (bytes[4] ?? 0); index += 1) {
    sizes.push({ wWidth: u16(bytes, 5 + 4 * index), wHeight: u16(bytes, 7 + 4 * index) });
  }
  return sizes;
}

function readDecoded(name: string): DecodedReference {
  const text = readFileSync(join(rawDescriptorsDir, `${name}.decoded.txt`), 'utf8');
  const reference: DecodedReference = { wTotalLength: -1, bcdUVC: [], interfaces: new Map() };
  let current: RefInterface | undefined;
  let alternate: RefEndpoint[] | undefined;
  let format: RefFormat | undefined;

  for (const line of text.split('\n')) {
    let match: RegExpExecArray | null;
    if ((match = DECODED.device.exec(line))) {
      const [, bcdUSB = '', vendor = '', product = ''] = match;
      const [idVendor, idProduct] = [parseInt(vendor, 16), parseInt(product, 16)];
      reference.device = { bcdUSB, idVendor, idProduct };
    } else if ((match = DECODED.configuration.exec(line))) {
      reference.wTotalLength = Number(match[1]);
    } else if ((match = DECODED.header.exec(line))) {
      reference.bcdUVC.push(match[1] ?? '');
    } else if ((match = DECODED.interface.exec(line))) {
      const [number, alt, interfaceClass, subclass] = match.slice(1).map(Number);
      format = undefined;
      if (number === undefined || interfaceClass !== 14) {
        current = undefined;
        alternate = undefined;
        continue;
      }
      current = reference.interfaces.get(number) ?? {
        number,
        subclass: subclass ?? -1,
        formats: [],
        alternates: new Map(),
      };
      reference.interfaces.set(number, current);
      alternate = [];
      current.alternates.set(alt ?? -1, alternate);
    } else if ((match = DECODED.endpoint.exec(line))) {
      const [, address = '', transfer = '', wMaxPacketSize = ''] = match;
      alternate?.push({
        address: parseInt(address, 16),
        transfer,
        wMaxPacketSize: parseInt(wMaxPacketSize, 16),
        transactions: Number(match[4]),
        size: Number(match[5]),
        bInterval: Number(match[6]),
      });
    } else if ((match = DECODED.format.exec(line)) && current) {
      format = {
        subtype: match[1] ?? '',
        index: Number(match[2]),
        declaredFrames: Number(match[3]),
        frames: [],
        stills: [],
      };
      if (match[4] !== undefined) format.guid = match[4];
      current.formats.push(format);
    } else if ((match = DECODED.frame.exec(line)) && format) {
      format.frames.push({
        subtype: match[1] ?? '',
        index: Number(match[2]),
        width: Number(match[3]),
        height: Number(match[4]),
        still: match[6] !== undefined,
        intervals: refIntervals(trailingDescriptor(line), Number(match[5])),
      });
    } else if (DECODED.still.test(line) && format) {
      format.stills.push(refStill(trailingDescriptor(line)));
    }
  }
  return reference;
}

function expectIntervals(frame: FrameDescriptor, reference: RefIntervals, where: string): void {
  if (reference.range !== undefined) {
    expect(frame.intervals, where).toEqual({ kind: 'continuous', ...reference.range });
  } else {
    expect(frame.intervals, where).toEqual({ kind: 'discrete', values: reference.values });
  }
}

function expectEndpoint(
  endpoint: EndpointInfo | undefined,
  reference: RefEndpoint,
  where: string,
): void {
  expect(endpoint, where).toBeDefined();
  expect(endpoint?.bEndpointAddress, where).toBe(reference.address);
  expect(endpoint?.transferType, where).toBe(TRANSFER_NAMES[reference.transfer]);
  expect(endpoint?.wMaxPacketSize, where).toBe(reference.wMaxPacketSize);
  expect(endpoint?.maxPacketSize, where).toBe(reference.size);
  expect(endpoint?.transactionsPerMicroframe, where).toBe(reference.transactions);
  expect(endpoint?.bytesPerInterval, where).toBe(reference.size * reference.transactions);
  expect(endpoint?.bInterval, where).toBe(reference.bInterval);
}

// ------------------------------------------------------------------------------------------
// Reference 2: the decoded fields of a UsbTreeView report.

interface TreeSection {
  indent: number;
  name: string;
  fields: Array<[string, string]>;
}

function readTreeSections(text: string): TreeSection[] {
  const sections: TreeSection[] = [];
  for (const line of text.split(/\r?\n/)) {
    const heading = /^(\s*)-{3,}\s*(.*?)\s*-{3,}\s*$/.exec(line);
    if (heading) {
      sections.push({ indent: (heading[1] ?? '').length, name: heading[2] ?? '', fields: [] });
      continue;
    }
    const field = /^(\s?\S.*?)\s+:\s(.*)$/.exec(line);
    if (field) sections.at(-1)?.fields.push([(field[1] ?? '').trim(), field[2] ?? '']);
  }
  return sections;
}

/** The sections nested under the top-level section `name`. */
function treeRegion(sections: TreeSection[], name: string): TreeSection[] {
  const start = sections.findIndex((section) => section.name === name);
  const top = sections[start];
  if (top === undefined) return [];
  const region: TreeSection[] = [];
  for (const section of sections.slice(start + 1)) {
    if (section.indent <= top.indent || section.name.startsWith('String Descriptor')) break;
    region.push(section);
  }
  return region;
}

function field(section: TreeSection, key: string): string | undefined {
  return section.fields.find(([name]) => name === key)?.[1];
}

/** The leading number of a field value: `0x0780 (1920)` is 0x780. */
function numeric(section: TreeSection, key: string): number {
  const value = field(section, key);
  if (value === undefined) throw new Error(`no field ${key} in ${section.name}`);
  return Number(/^(0x[0-9A-Fa-f]+|\d+)/.exec(value.trim())?.[1] ?? NaN);
}

interface TreeFrame {
  index: number;
  width: number;
  height: number;
  type: number;
  values: number[];
  range?: number[];
}

interface TreeFormat {
  interfaceNumber: number;
  kind: FormatDescriptor['kind'];
  index: number;
  guid?: string;
  frames: TreeFrame[];
  stills: Array<Array<{ wWidth: number; wHeight: number }>>;
}

interface TreeEndpoint {
  interfaceNumber: number;
  alternate: number;
  address: number;
  wMaxPacketSize: number;
  transactions?: number;
  size?: number;
}

interface TreeReference {
  formats: TreeFormat[];
  endpoints: TreeEndpoint[];
  bcdUVC: number[];
}

function treeFormatKind(name: string): FormatDescriptor['kind'] {
  if (name.includes('Uncompressed')) return 'uncompressed';
  if (name.includes('MJPEG')) return 'mjpeg';
  return name.includes('Frame Based') ? 'frameBased' : 'other';
}

function treeFrame(section: TreeSection): TreeFrame {
  const type = numeric(section, 'bFrameIntervalType');
  const values = section.fields
    .filter(([key]) => /^adwFrameInterval\[\d+\]$/.test(key))
    .map(([, value]) => Number(value.split(' ')[0]));
  const frame: TreeFrame = {
    index: numeric(section, 'bFrameIndex'),
    width: numeric(section, 'wWidth'),
    height: numeric(section, 'wHeight'),
    type,
    values,
  };
  if (type === 0) {
    const keys = ['dwMinFrameInterval', 'dwMaxFrameInterval', 'dwFrameIntervalStep'];
    frame.range = keys.map((key) => numeric(section, key));
  }
  return frame;
}

function treeStill(section: TreeSection): Array<{ wWidth: number; wHeight: number }> {
  return section.fields
    .filter(([key]) => /^\d+: wWidth x wHeight$/.test(key))
    .map(([, value]) => {
      const match = /^(0x[0-9A-Fa-f]+) x (0x[0-9A-Fa-f]+)/.exec(value);
      return { wWidth: Number(match?.[1] ?? NaN), wHeight: Number(match?.[2] ?? NaN) };
    });
}

function readTreeReference(region: TreeSection[]): TreeReference {
  const reference: TreeReference = { formats: [], endpoints: [], bcdUVC: [] };
  let interfaceNumber = -1;
  let alternate = -1;
  let video = false;
  let format: TreeFormat | undefined;

  for (const section of region) {
    const name = section.name;
    if (name === 'Interface Descriptor') {
      interfaceNumber = numeric(section, 'bInterfaceNumber');
      alternate = numeric(section, 'bAlternateSetting');
      video = numeric(section, 'bInterfaceClass') === 0x0e;
      format = undefined;
    } else if (name === 'Video Control Interface Header Descriptor') {
      reference.bcdUVC.push(numeric(section, 'bcdUVC'));
    } else if (video && /Format Type Descriptor$/.test(name)) {
      const index = numeric(section, 'bFormatIndex');
      format = { interfaceNumber, kind: treeFormatKind(name), index, frames: [], stills: [] };
      const guid = /\{([0-9A-Fa-f-]+)\}/.exec(field(section, 'guidFormat') ?? '')?.[1];
      if (guid !== undefined) format.guid = guid.toLowerCase();
      reference.formats.push(format);
    } else if (video && format && name === 'Still Image Frame Type Descriptor') {
      format.stills.push(treeStill(section));
    } else if (video && format && /Frame Type Descriptor$/.test(name)) {
      format.frames.push(treeFrame(section));
    } else if (video && name === 'Endpoint Descriptor') {
      const endpoint: TreeEndpoint = {
        interfaceNumber,
        alternate,
        address: numeric(section, 'bEndpointAddress'),
        wMaxPacketSize: numeric(section, 'wMaxPacketSize'),
      };
      if (field(section, 'Bits 12..11') !== undefined) {
        endpoint.transactions = numeric(section, 'Bits 12..11') + 1;
        endpoint.size = numeric(section, 'Bits 10..0');
      }
      reference.endpoints.push(endpoint);
    }
  }
  return reference;
}

function checkTreeFrame(actual: FrameDescriptor | undefined, frame: TreeFrame, at: string): void {
  const dimensions = [actual?.bFrameIndex, actual?.wWidth, actual?.wHeight];
  expect(dimensions, at).toEqual([frame.index, frame.width, frame.height]);
  if (frame.range !== undefined) {
    const [min, max, step] = frame.range;
    expect(actual?.intervals, at).toEqual({ kind: 'continuous', min, max, step });
  } else {
    expect(frame.values.length, `${at}: the report lists every interval`).toBe(frame.type);
    expect(actual?.intervals, at).toEqual({ kind: 'discrete', values: frame.values });
  }
}

function checkTreeEndpoint(model: CameraModel, expected: TreeEndpoint, where: string): void {
  const number = expected.interfaceNumber;
  const at = `${where}: interface ${number} alt ${expected.alternate} endpoint ${expected.address}`;
  const owner = model.functions.find((fn) => fn.videoControl.bInterfaceNumber === number);
  const actual = owner
    ? owner.videoControl.statusEndpoint
    : streamingInterface(model, number)
        .alternateSettings.find((alt) => alt.bAlternateSetting === expected.alternate)
        ?.endpoints.find((endpoint) => endpoint.bEndpointAddress === expected.address);
  expect(actual?.bEndpointAddress, at).toBe(expected.address);
  expect(actual?.wMaxPacketSize, at).toBe(expected.wMaxPacketSize);
  if (expected.size !== undefined) {
    expect(actual?.maxPacketSize, at).toBe(expected.size);
    expect(actual?.transactionsPerMicroframe, at).toBe(expected.transactions);
  }
}

function checkAgainstTree(model: CameraModel, region: TreeSection[], where: string): void {
  const reference = readTreeReference(region);
  expect(region.length, `${where}: the report has this configuration`).toBeGreaterThan(0);
  expect(model.functions.map((fn) => fn.videoControl.bcdUVC), where).toEqual(reference.bcdUVC);

  const modelFormats = streamingInterfaces(model).flatMap((vs) =>
    vs.formats.map((format) => ({ vs, format })),
  );
  expect(modelFormats.length, `${where}: format count`).toBe(reference.formats.length);
  reference.formats.forEach((expected, position) => {
    const entry = modelFormats[position];
    const at = `${where}: interface ${expected.interfaceNumber} format ${expected.index}`;
    expect(entry?.vs.bInterfaceNumber, at).toBe(expected.interfaceNumber);
    expect(entry?.format.bFormatIndex, at).toBe(expected.index);
    expect(entry?.format.kind, at).toBe(expected.kind);
    expect(entry?.format.guidFormat, at).toBe(expected.guid);
    expect(entry?.format.frames.length, at).toBe(expected.frames.length);
    expect(entry?.format.stillFrames.map((still) => still.sizes), at).toEqual(expected.stills);
    expected.frames.forEach((frame, index) => {
      checkTreeFrame(entry?.format.frames[index], frame, `${at} frame ${frame.index}`);
    });
  });

  for (const expected of reference.endpoints) checkTreeEndpoint(model, expected, where);
}

// ------------------------------------------------------------------------------------------
// Checks against decoded.txt.

function checkFormats(model: CameraModel, expected: RefInterface, at: string): void {
  const vs = streamingInterface(model, expected.number);
  const kinds = vs.formats.map((format) => [format.bFormatIndex, format.kind]);
  const refKinds = expected.formats.map((format) => [format.index, FORMAT_KINDS[format.subtype]]);
  expect(kinds, at).toEqual(refKinds);

  expected.formats.forEach((refFormat, position) => {
    const format = vs.formats[position];
    const formatAt = `${at} format ${refFormat.index}`;
    expect(format?.guidFormat, formatAt).toBe(refFormat.guid);
    if (refFormat.guid !== undefined) {
      expect(format?.pixelFormat, formatAt).toBe(pixelFormatOfGuid(refFormat.guid));
    }
    expect(format?.frames.length, formatAt).toBe(refFormat.frames.length);
    if (refFormat.frames.length !== refFormat.declaredFrames) {
      const declared = `bNumFrameDescriptors ${refFormat.declaredFrames}`;
      expect(model.repairs.some((repair) => repair.includes(declared)), formatAt).toBe(true);
    }
    const stills = format?.stillFrames.map((still) => still.sizes);
    expect(stills, formatAt).toEqual(refFormat.stills);

    refFormat.frames.forEach((refFrame, index) => {
      const frame = format?.frames[index];
      const frameAt = `${formatAt} frame ${refFrame.index}`;
      if (frame === undefined) throw new Error(`${frameAt} is missing`);
      const dimensions = [frame.bFrameIndex, frame.wWidth, frame.wHeight];
      expect(dimensions, frameAt).toEqual([refFrame.index, refFrame.width, refFrame.height]);
      expect((frame.bmCapabilities & 1) === 1, frameAt).toBe(refFrame.still);
      expect(frame.bDescriptorSubtype === 0x11, frameAt).toBe(refFrame.subtype === 'FRAME_BASED');
      expectIntervals(frame, refFrame.intervals, frameAt);
    });
  });

  for (const [alternate, endpoints] of expected.alternates) {
    const actual = vs.alternateSettings.find((setting) => setting.bAlternateSetting === alternate);
    const altAt = `${at} alt ${alternate}`;
    expect(actual?.endpoints.length, altAt).toBe(endpoints.length);
    endpoints.forEach((endpoint, index) => {
      expectEndpoint(actual?.endpoints[index], endpoint, altAt);
    });
  }
}

// ------------------------------------------------------------------------------------------
// Tests.

describe('parseDeviceDescriptor', () => {
  const withDevice = cameraNames.filter((name) => rawFile(name, '.device.bin') !== undefined);

  it('finds the fixtures', () => {
    expect(cameraNames.length).toBeGreaterThanOrEqual(9);
    expect(withDevice.length).toBeGreaterThanOrEqual(8);
  });

  it.each(withDevice)('%s: matches decoded.txt', (name) => {
    const reference = readDecoded(name).device;
    const device = parseDeviceDescriptor(requireFile(name, '.device.bin'));
    expect(reference).toBeDefined();
    expect(device.idVendor).toBe(reference?.idVendor);
    expect(device.idProduct).toBe(reference?.idProduct);
    expect(bcd(device.bcdUSB)).toBe(reference?.bcdUSB);
    expect(device.bNumConfigurations).toBe(1);
  });

  it('rejects bytes that are not a device descriptor', () => {
    const device = requireFile(C310, '.device.bin');
    expect(() => parseDeviceDescriptor(device.subarray(0, 17))).toThrow(CameraError);
    const wrongType = device.slice();
    wrongType[1] = 0x02;
    expect(() => parseDeviceDescriptor(wrongType)).toThrow(/bDescriptorType 0x01/);
  });
});

describe('parseConfiguration against raw/*.decoded.txt', () => {
  it.each(cameraNames)('%s: formats, frames, intervals, stills and endpoints', (name) => {
    const reference = readDecoded(name);
    const model = parseCamera(name);

    expect(model.wTotalLength).toBe(reference.wTotalLength);
    if (reference.device) expect(model.device?.idVendor).toBe(reference.device.idVendor);
    expect(model.functions.map((fn) => bcd(fn.videoControl.bcdUVC))).toEqual(reference.bcdUVC);

    const streaming = [...reference.interfaces.values()].filter((iface) => iface.subclass === 2);
    const numbers = streamingInterfaces(model).map((vs) => vs.bInterfaceNumber);
    expect(numbers.sort()).toEqual(streaming.map((iface) => iface.number).sort());
    for (const expected of streaming) {
      checkFormats(model, expected, `${name} interface ${expected.number}`);
    }

    // The VideoControl status endpoint is the interrupt endpoint of the VC interface.
    for (const fn of model.functions) {
      const control = reference.interfaces.get(fn.videoControl.bInterfaceNumber);
      const interrupt = control?.alternates.get(0)?.find((endpoint) => endpoint.transfer === 'INT');
      if (interrupt === undefined) expect(fn.videoControl.statusEndpoint).toBeUndefined();
      else expectEndpoint(fn.videoControl.statusEndpoint, interrupt, `${name} status endpoint`);
    }
  });

  it.each(otherSpeedNames)('%s: the other-speed configuration parses', (name) => {
    const config = requireFile(name, '.other_speed_config.bin');
    const model = parseCamera(name, '.other_speed_config.bin');
    expect(config[1]).toBe(0x07);
    expect(model.wTotalLength).toBe(u16(config, 2));
    expect(model.functions.length).toBeGreaterThanOrEqual(1);
  });
});

describe('parseConfiguration against the decoded fields of UsbTreeView reports', () => {
  const cases = reportNames.flatMap((name) => {
    const list: Array<[string, string, string]> = [
      [name, '.config.bin', 'Configuration Descriptor'],
    ];
    if (rawFile(name, '.other_speed_config.bin')) {
      list.push([name, '.other_speed_config.bin', 'Other Speed Configuration Descriptor']);
    }
    return list;
  });

  it('covers the seven cameras that have a report and raw bytes', () => {
    const withRaw = reportNames.filter((name) => rawFile(name, '.config.bin') !== undefined);
    expect(withRaw).toHaveLength(7);
  });

  it.each(cases)('%s%s matches the report', (name, suffix, section) => {
    const text = readFileSync(join(descriptorsDir, `${name}.usbtreeview.txt`), 'utf8');
    const region = treeRegion(readTreeSections(text), section);
    checkAgainstTree(parseCamera(name, suffix), region, `${name}${suffix}`);
  });
});

describe('concrete facts', () => {
  it('Logitech C310: UVC 1.00, YUYV with 19 frames and MJPEG with 19 frames', () => {
    const model = parseCamera(C310);
    const [fn] = model.functions;
    expect(model.functions).toHaveLength(1);
    expect(fn?.videoControl.bcdUVC).toBe(0x0100);
    const vs = fn?.streaming[0];
    expect(vs?.formats).toHaveLength(2);
    expect(vs?.formats[0]?.pixelFormat).toBe('YUYV');
    expect(vs?.formats[0]?.guidFormat).toBe('32595559-0000-0010-8000-00aa00389b71');
    expect(vs?.formats[0]?.frames).toHaveLength(19);
    expect(vs?.formats[0]?.colorMatching).toEqual({
      bColorPrimaries: 1,
      bTransferCharacteristics: 1,
      bMatrixCoefficients: 4,
    });
    expect(vs?.formats[1]?.pixelFormat).toBe('MJPEG');
    expect(vs?.formats[1]?.frames).toHaveLength(19);
    expect(vs?.inputHeader?.bStillCaptureMethod).toBe(1);
    // The C310 (and C270) input header says 3 formats while 2 follow: a real oddity, repaired.
    expect(vs?.inputHeader?.bNumFormats).toBe(3);
    const expected = expect.stringContaining('bNumFormats 3 but 2 format descriptors');
    expect(model.repairs).toEqual([expected]);
  });

  it('Logitech C270: interrupt status endpoint 0x87 of 16 bytes, bInterval 8', () => {
    const status = parseCamera(C270).functions[0]?.videoControl.statusEndpoint;
    expect(status).toEqual({
      bEndpointAddress: 0x87,
      bmAttributes: 0x03,
      wMaxPacketSize: 16,
      bInterval: 8,
      transferType: 'interrupt',
      maxPacketSize: 16,
      transactionsPerMicroframe: 1,
      bytesPerInterval: 16,
    });
  });

  it('Logitech C270: camera terminal, 11-byte UVC 1.0 processing unit, extension units', () => {
    const entities = parseCamera(C270).functions[0]?.videoControl.entities ?? [];
    const camera = entities.find((entity) => entity.type === 'inputTerminal');
    if (camera?.type !== 'inputTerminal') throw new Error('no input terminal');
    expect(camera.wTerminalType).toBe(0x0201);
    expect([...(camera.camera?.bmControls ?? [])]).toEqual([0x0e, 0x00, 0x00]);
    const pu = entities.find((entity) => entity.type === 'processingUnit');
    if (pu?.type !== 'processingUnit') throw new Error('no processing unit');
    expect([...pu.bmControls]).toEqual([0x5b, 0x17]);
    expect(pu.bmVideoStandards).toBeUndefined();
    const guids = entities.map((entity) =>
      entity.type === 'extensionUnit' ? entity.guidExtensionCode : '',
    );
    expect(guids).toContain('69678ee4-410f-40db-a850-7420d7d8240e');
  });

  it('ELP H.264: one function, two streaming interfaces, frame-based H.264 in UVC 1.00', () => {
    const model = parseCamera('elp_h264_usb_camera_32e4-9422');
    expect(model.functions).toHaveLength(1);
    expect(model.functions[0]?.videoControl.baInterfaceNr).toEqual([1, 2]);
    const h264 = streamingInterface(model, 2).formats[0];
    expect(h264?.kind).toBe('frameBased');
    expect(h264?.pixelFormat).toBe('H264');
    expect(h264?.bVariableSize).toBe(1);
    expect(h264?.frames[0]?.dwBytesPerLine).toBe(0);
    expect(h264?.frames[0]?.dwMaxVideoFrameBufferSize).toBeUndefined();
    expect(model.repairs).toEqual([]);
  });

  const stubs = [
    'elp_h264_usb_camera_32e4-9422',
    'canyon_cne_cwc2_sonix_0c45-6340',
    'trust_webcam_sonix_0c45-6340',
  ];
  it.each(stubs)('%s: the 64-byte full-speed stub is a VideoControl without streaming', (name) => {
    const model = parseCamera(name, '.other_speed_config.bin');
    expect(model.wTotalLength).toBe(64);
    expect(model.functions).toHaveLength(1);
    expect(model.functions[0]?.videoControl.baInterfaceNr).toEqual([]);
    expect(model.functions[0]?.streaming).toEqual([]);
    expect(model.repairs).toEqual([]);
  });

  it('Espressif dual UVC: two functions; min = max = step ranges stay single intervals', () => {
    const model = parseCamera('espressif_tinyusb_dual_uvc_303a-8000');
    expect(model.functions.map((fn) => fn.videoControl.bInterfaceNumber)).toEqual([0, 2]);
    const streaming = model.functions.map((fn) => fn.streaming.map((vs) => vs.bInterfaceNumber));
    expect(streaming).toEqual([[1], [3]]);
    expect(model.functions.map((fn) => fn.videoControl.bInterfaceProtocol)).toEqual([1, 1]);
    const frames = model.functions.map((fn) => fn.streaming[0]?.formats[0]?.frames[0]);
    const intervals = frames.map((frame) => frame?.intervals);
    expect(intervals).toEqual([
      { kind: 'continuous', min: 500000, max: 500000, step: 500000 },
      { kind: 'continuous', min: 666666, max: 666666, step: 666666 },
    ]);
    expect(model.repairs).toEqual([]);
  });

  it('Generic 349c:3307: VS descriptors after the bulk endpoint belong to the interface', () => {
    const vs = streamingInterfaces(parseCamera('generic_hd_video_bulk_349c-3307'))[0];
    expect(vs?.alternateSettings).toHaveLength(1);
    expect(vs?.alternateSettings[0]?.endpoints[0]?.transferType).toBe('bulk');
    expect(vs?.formats.map((format) => format.pixelFormat)).toEqual(['MJPEG']);
  });

  it('Realtek 0bda:5602 (bugs.md §18): BIST skipped, VS descriptors after endpoint kept', () => {
    const bugs = readFileSync(join(fixturesDir, 'bugs.md'), 'utf8');
    const section = bugs.split(/\n## /).find((part) => part.startsWith('18.')) ?? '';
    const minimal = section.slice(section.indexOf('Minimal input'));
    const pieces = [...minimal.matchAll(/`([0-9a-f ]+)`/g)].map((match) =>
      (match[1] ?? '').trim().split(' ').map((byte) => parseInt(byte, 16)),
    );
    expect(pieces).toHaveLength(4);
    const [bist = [], vsInterface = [], endpoint = [], inputHeader = []] = pieces;
    expect([bist[0], bist[1]]).toEqual([40, 0xff]);

    // A VideoControl interface naming interface 1, the Realtek pieces in their order, then one
    // MJPEG format and frame after the endpoint (added here: the minimal input ends at the header).
    const vcInterface = [0x09, 0x04, 0x00, 0x00, 0x00, 0x0e, 0x01, 0x00, 0x00];
    const vcHeader = [0x0d, 0x24, 0x01, 0x00, 0x01, 0x0d, 0x00, 0x00, 0x6c, 0xdc, 0x02, 0x01, 0x01];
    const mjpeg = [0x0b, 0x24, 0x06, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00];
    const frame = [
      0x1e, 0x24, 0x07, 0x01, 0x00, 0x80, 0x02, 0xe0, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
      0x00, 0x01, 0x00, 0x60, 0x09, 0x00, 0x15, 0x16, 0x05, 0x00, 0x01, 0x15, 0x16, 0x05, 0x00,
    ];
    const vc = [...vcInterface, ...vcHeader];
    const body = [...bist, ...vc, ...vsInterface, ...endpoint, ...inputHeader, ...mjpeg, ...frame];
    const total = 9 + body.length;
    const header = [0x09, 0x02, total & 0xff, total >> 8, 0x02, 0x01, 0x00, 0x80, 0xfa];
    const model = parseConfiguration(Uint8Array.from([...header, ...body]));

    const vs = streamingInterface(model, 1);
    expect(vs.inputHeader?.bEndpointAddress).toBe(0x81);
    expect(vs.inputHeader?.bNumFormats).toBe(2);
    const bulk = { bEndpointAddress: 0x81, transferType: 'bulk', maxPacketSize: 512 };
    expect(vs.alternateSettings).toEqual([
      { bAlternateSetting: 0, endpoints: [expect.objectContaining(bulk)] },
    ]);
    expect(vs.formats.map((format) => [format.kind, format.frames.length])).toEqual([['mjpeg', 1]]);
    expect(vs.formats[0]?.frames[0]?.intervals).toEqual({ kind: 'discrete', values: [333333] });
    const expected = expect.stringContaining('bNumFormats 2 but 1 format descriptors');
    expect(model.repairs).toEqual([expected]);
  });

  it('SuperSpeed companions set the bandwidth of the endpoint before them', () => {
    const config = Uint8Array.from([
      ...[0x09, 0x02, 0x00, 0x00, 0x02, 0x01, 0x00, 0x80, 0xfa],
      ...[0x09, 0x04, 0x00, 0x00, 0x00, 0x0e, 0x01, 0x00, 0x00],
      ...[0x0d, 0x24, 0x01, 0x10, 0x01, 0x0d, 0x00, 0x00, 0x6c, 0xdc, 0x02, 0x01, 0x01],
      ...[0x09, 0x04, 0x01, 0x00, 0x00, 0x0e, 0x02, 0x00, 0x00],
      ...[0x0e, 0x24, 0x01, 0x00, 0x0e, 0x00, 0x81, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00],
      ...[0x09, 0x04, 0x01, 0x01, 0x01, 0x0e, 0x02, 0x00, 0x00],
      ...[0x07, 0x05, 0x81, 0x05, 0x00, 0x04, 0x01],
      ...[0x06, 0x30, 0x0f, 0x02, 0x00, 0xc0],
      ...[0x09, 0x04, 0x01, 0x02, 0x01, 0x0e, 0x02, 0x00, 0x00],
      ...[0x07, 0x05, 0x82, 0x02, 0x00, 0x04, 0x00],
      ...[0x06, 0x30, 0x03, 0x00, 0x00, 0x00],
    ]);
    config[2] = config.length;
    const vs = streamingInterface(parseConfiguration(config), 1);
    const iso = vs.alternateSettings[1]?.endpoints[0];
    const bulk = vs.alternateSettings[2]?.endpoints[0];
    expect(iso?.superSpeed).toEqual({ bMaxBurst: 15, bmAttributes: 2, wBytesPerInterval: 0xc000 });
    expect(iso?.bytesPerInterval).toBe(0xc000);
    expect(bulk?.transferType).toBe('bulk');
    expect(bulk?.bytesPerInterval).toBe(1024 * 4);
  });
});

// ------------------------------------------------------------------------------------------
// Malformed input.

/** Offsets of the descriptors of a configuration, walked here independently of the parser. */
function descriptorOffsets(config: Uint8Array): number[] {
  const offsets: number[] = [];
  let offset = 0;
  while (offset + 1 < config.length && (config[offset] ?? 0) >= 2) {
    offsets.push(offset);
    offset += config[offset] ?? 0;
  }
  return offsets;
}

function findDescriptor(config: Uint8Array, type: number, subtype: number): number {
  const offsets = descriptorOffsets(config);
  const offset = offsets.find((at) => config[at + 1] === type && config[at + 2] === subtype);
  if (offset === undefined) throw new Error(`no descriptor of type ${type}/${subtype}`);
  return offset;
}

/** The nth class-specific descriptor of `subtype` from the first VideoStreaming interface on. */
function findVs(config: Uint8Array, subtype: number, nth = 0): number {
  const offsets = descriptorOffsets(config);
  const isVsInterface = (at: number): boolean =>
    config[at + 1] === 0x04 && config[at + 5] === 0x0e && config[at + 6] === 0x02;
  const start = offsets.find(isVsInterface) ?? 0;
  const matches = offsets.filter(
    (at) => at > start && config[at + 1] === 0x24 && config[at + 2] === subtype,
  );
  const offset = matches[nth];
  if (offset === undefined) throw new Error(`no VS descriptor of subtype ${subtype}`);
  return offset;
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

describe('malformed configurations', () => {
  const c310 = requireFile(C310, '.config.bin');
  const synthetic = (name: string): Uint8Array =>
    readBytes(join(syntheticDir, `${name}.config.bin`));

  it('synthetic FRAME_MJPEG with bFrameIntervalType 255 in 30 bytes keeps its one interval', () => {
    const model = parseConfiguration(synthetic('esp_usb_malicious_frame_interval_type_255'));
    const frame = model.functions[0]?.streaming[0]?.formats[0]?.frames[0];
    expect(frame?.intervals).toEqual({ kind: 'discrete', values: [333333] });
    const repair = /VS_FRAME_MJPEG at offset 73 .*bFrameIntervalType 255.*is 30; kept the 1/;
    expect(model.repairs).toEqual([expect.stringMatching(repair)]);
  });

  it('synthetic IAD without a VideoControl interface: DEVICE_DISABLED naming the IAD', () => {
    const config = synthetic('esp_usb_malicious_iad_without_vc_header');
    const error = catchError(() => parseConfiguration(config));
    expect(error.code).toBe(CameraErrorCode.DEVICE_DISABLED);
    expect(error.message).toMatch(/no VideoControl interface/);
    expect(error.message).toMatch(/IAD at offset 9/);
  });

  it('a VideoControl interface without VC_HEADER is DEVICE_DISABLED', () => {
    const config = c310.slice();
    config[findDescriptor(config, 0x24, 0x01) + 2] = 0x7f;
    const error = catchError(() => parseConfiguration(config));
    expect(error.code).toBe(CameraErrorCode.DEVICE_DISABLED);
    expect(error.message).toMatch(/VideoControl interface 0 at offset 17/);
    expect(error.message).toMatch(/expected a VC_HEADER/);
  });

  it('bLength 0 in the middle is DEVICE_DISABLED with the offset', () => {
    const config = c310.slice();
    const offset = findVs(config, 0x05, 3);
    config[offset] = 0;
    const error = catchError(() => parseConfiguration(config));
    expect(error.code).toBe(CameraErrorCode.DEVICE_DISABLED);
    expect(error.message).toContain(`descriptor at offset ${offset}`);
    expect(error.message).toMatch(/expected bLength >= 2; found bLength 0/);
  });

  it('a VS_INPUT_HEADER shorter than 13 bytes is DEVICE_DISABLED', () => {
    const offset = findVs(c310, 0x01);
    const config = Uint8Array.from([
      ...c310.subarray(0, offset),
      0x0c,
      ...c310.subarray(offset + 1, offset + 12),
      ...c310.subarray(offset + 16),
    ]);
    config[2] = config.length & 0xff;
    config[3] = config.length >> 8;
    const error = catchError(() => parseConfiguration(config));
    const message = `VS_INPUT_HEADER at offset ${offset}; expected bLength >= 13; found bLength 12`;
    expect(error.message).toContain(message);
  });

  it('not a configuration at all is DEVICE_DISABLED', () => {
    const tooShort = catchError(() => parseConfiguration(new Uint8Array(4)));
    expect(tooShort.code).toBe(CameraErrorCode.DEVICE_DISABLED);
    const device = catchError(() => parseConfiguration(requireFile(C310, '.device.bin')));
    expect(device.message).toMatch(/bDescriptorType 0x02 or 0x07/);
  });

  it('a short read is parsed as far as it goes (repair)', () => {
    const secondMjpegFrame = findVs(c310, 0x07, 1);
    const model = parseConfiguration(c310.subarray(0, secondMjpegFrame + 10));
    const mjpeg = model.functions[0]?.streaming[0]?.formats[1];
    expect(mjpeg?.frames).toHaveLength(1);
    expect(model.repairs).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          `holds ${secondMjpegFrame + 10} bytes but wTotalLength says ${c310.length}`,
        ),
        expect.stringContaining(
          `offset ${secondMjpegFrame} has bLength 50 but only 10 bytes remain`,
        ),
        expect.stringContaining('bNumFrameDescriptors 19 but 1 usable frame descriptors'),
      ]),
    );
  });

  it('zero padding after wTotalLength is ignored (repair)', () => {
    const padded = parseConfiguration(Uint8Array.from([...c310, ...new Uint8Array(100)]));
    const repair = expect.stringContaining('100 bytes after wTotalLength 2469');
    expect(padded.repairs).toContainEqual(repair);
    expect(padded.functions[0]?.streaming[0]?.formats).toHaveLength(2);
  });

  it('whole descriptors after a too small wTotalLength are kept (repair)', () => {
    const small = c310.slice();
    small[2] = 100;
    small[3] = 0;
    const trusted = parseConfiguration(small);
    const repair = expect.stringContaining('wTotalLength says 100 bytes but the 2469-byte buffer');
    expect(trusted.repairs).toContainEqual(repair);
    expect(trusted.functions[0]?.streaming[0]?.formats[0]?.frames).toHaveLength(19);
  });

  it('a format whose bNumFrameDescriptors disagrees keeps the frames present (repair)', () => {
    const config = c310.slice();
    const format = findVs(config, 0x04);
    config[format + 4] = 25;
    const model = parseConfiguration(config);
    expect(model.functions[0]?.streaming[0]?.formats[0]?.frames).toHaveLength(19);
    const repair = new RegExp(
      `VS_FORMAT_UNCOMPRESSED at offset ${format} .*bNumFrameDescriptors 25 but 19`,
    );
    expect(model.repairs).toContainEqual(expect.stringMatching(repair));
  });

  it('a frame shorter than 26 bytes is dropped; max < min is swapped (repairs)', () => {
    const config = c310.slice();
    const first = findVs(config, 0x05, 0);
    const second = findVs(config, 0x05, 1);
    // Frame 1 becomes a 25-byte descriptor followed by 25 bytes of vendor data (type 0xff).
    config[first] = 25;
    config[first + 25] = 25;
    config[first + 26] = 0xff;
    // Frame 2 becomes a continuous range with min 400000 above max 333333 and step 0.
    config[second + 25] = 0;
    const range = [0x80, 0x1a, 0x06, 0x00, 0x15, 0x16, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00];
    config.set(range, second + 26);

    const model = parseConfiguration(config);
    const frames = model.functions[0]?.streaming[0]?.formats[0]?.frames ?? [];
    expect(frames.map((frame) => frame.bFrameIndex).slice(0, 2)).toEqual([2, 3]);
    expect(frames[0]?.intervals).toEqual({ kind: 'continuous', min: 333333, max: 400000, step: 1 });
    const tooShort = `VS_FRAME_UNCOMPRESSED at offset ${first} has bLength 25, fewer than the 26`;
    expect(model.repairs).toEqual(
      expect.arrayContaining([
        expect.stringContaining(tooShort),
        expect.stringContaining('dwMaxFrameInterval 333333 below dwMinFrameInterval 400000'),
        expect.stringContaining('dwFrameIntervalStep 0'),
        expect.stringContaining('bNumFrameDescriptors 19 but 18'),
      ]),
    );
  });
});

// ------------------------------------------------------------------------------------------
// Fuzzing.

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}

/** Numbers the model holds in arrays and byte arrays: a measure of what parsing allocated. */
function numbersHeld(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  if (Array.isArray(value)) {
    const count = (item: unknown): number => (typeof item === 'number' ? 1 : numbersHeld(item));
    return value.reduce<number>((sum, item) => sum + count(item), 0);
  }
  if (value !== null && typeof value === 'object') {
    return Object.values(value).reduce<number>((sum, item) => sum + numbersHeld(item), 0);
  }
  return 0;
}

function mutate(source: Uint8Array, random: () => number): Uint8Array {
  const pick = (limit: number): number => Math.floor(random() * limit);
  const bytes = source.slice();
  const offsets = descriptorOffsets(bytes);
  const descriptor = offsets[pick(offsets.length)] ?? 0;
  const splice = (start: number, removed: number, inserted: ArrayLike<number> = []): Uint8Array => {
    const tail = bytes.subarray(start + removed);
    return Uint8Array.from([...bytes.subarray(0, start), ...Array.from(inserted), ...tail]);
  };

  switch (pick(8)) {
    case 0:
      return bytes.subarray(0, pick(bytes.length));
    case 1:
      for (let count = 1 + pick(4); count > 0; count -= 1) bytes[pick(bytes.length)] = pick(256);
      return bytes;
    case 2:
      bytes[descriptor] = pick(256);
      return bytes;
    case 3: {
      // A count or length field inside a descriptor: 0, 1 or 255.
      const inside = pick(Math.max(1, (bytes[descriptor] ?? 2) - 2));
      bytes[descriptor + 2 + inside] = [0, 1, 0xff][pick(3)] ?? 0;
      return bytes;
    }
    case 4:
      return splice(pick(bytes.length), 1 + pick(64));
    case 5: {
      const start = pick(bytes.length);
      return splice(start, 0, bytes.slice(start, start + 1 + pick(64)));
    }
    case 6:
      bytes[2] = pick(256);
      bytes[3] = pick(16);
      return bytes;
    default:
      bytes[descriptor + 2] = pick(0x20);
      return bytes;
  }
}

function allIntervals(model: CameraModel): number[][] {
  return streamingInterfaces(model)
    .flatMap((vs) => vs.formats.flatMap((format) => format.frames))
    .map(({ intervals }) =>
      intervals.kind === 'discrete'
        ? intervals.values
        : [intervals.min, intervals.max, intervals.step],
    );
}

describe('fuzzing with mutated real configurations', () => {
  const sources = [
    ...cameraNames.map((name) => requireFile(name, '.config.bin')),
    ...otherSpeedNames.map((name) => requireFile(name, '.other_speed_config.bin')),
    readBytes(join(syntheticDir, 'esp_usb_malicious_frame_interval_type_255.config.bin')),
  ];
  const CASES_PER_SOURCE = 250;

  it(`${CASES_PER_SOURCE} mutations of each configuration parse or throw DEVICE_DISABLED`, () => {
    const random = prng(0x5eed0e0e);
    const outcomes = { parsed: 0, repaired: 0, rejected: 0 };
    for (const source of sources) {
      for (let round = 0; round < CASES_PER_SOURCE; round += 1) {
        const input = mutate(source, random);
        let model: CameraModel;
        try {
          model = parseConfiguration(input);
        } catch (error) {
          if (!isCameraError(error, CameraErrorCode.DEVICE_DISABLED)) {
            const hex = Buffer.from(input).toString('hex');
            throw new Error(`round ${round}: ${String(error)} for input ${hex}`);
          }
          outcomes.rejected += 1;
          continue;
        }
        if (model.repairs.length > 0) outcomes.repaired += 1;
        else outcomes.parsed += 1;
        expect(model.functions.length).toBeGreaterThan(0);
        expect(numbersHeld(model)).toBeLessThanOrEqual(input.length);
        for (const values of allIntervals(model)) {
          expect(values.length).toBeGreaterThan(0);
          expect(values.every((value) => Number.isInteger(value) && value >= 0)).toBe(true);
        }
      }
    }
    const total = outcomes.parsed + outcomes.repaired + outcomes.rejected;
    expect(total).toBe(sources.length * CASES_PER_SOURCE);
    // Each outcome occurs: the mutations reach the repairs and the rejections.
    expect(outcomes.repaired).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});

// ------------------------------------------------------------------------------------------
// GUIDs.

/** The FOURCC-style GUID string of a four-character code, built here by hand. */
function fourccGuidText(code: string): string {
  const data1 = [...code].map((char) => char.charCodeAt(0).toString(16).padStart(2, '0'));
  return `${data1.reverse().join('')}-0000-0010-8000-00aa00389b71`;
}

describe('GUIDs', () => {
  it('turn wire bytes into the string form and back', () => {
    const c310 = requireFile(C310, '.config.bin');
    const xu = findDescriptor(c310, 0x24, 0x06);
    expect(guidToString(c310, xu + 4)).toBe('69678ee4-410f-40db-a850-7420d7d8240e');
    const wire = guidFromString('{69678EE4-410F-40DB-A850-7420D7D8240E}');
    expect([...wire]).toEqual([...c310.subarray(xu + 4, xu + 20)]);
  });

  it('map FOURCC-style and DirectShow GUIDs to pixel formats; others to unknown', () => {
    const cases: Array<[string, string]> = [
      ['YUY2', 'YUYV'], ['UYVY', 'UYVY'], ['NV12', 'NV12'], ['I420', 'I420'], ['YV12', 'YV12'],
      ['M420', 'M420'], ['Y800', 'GRAY8'], ['Y8  ', 'GRAY8'], ['Y16 ', 'GRAY16'], ['BY8 ', 'BA81'],
      ['BA81', 'BA81'], ['GRBG', 'GRBG'], ['GBRG', 'GBRG'], ['RGGB', 'RGGB'], ['H264', 'H264'],
      ['H265', 'H265'], ['HEVC', 'H265'], ['VP80', 'VP8'], ['MJPG', 'MJPEG'],
    ];
    for (const [code, format] of cases) {
      expect(pixelFormatOfGuid(fourccGuidText(code)), code).toBe(format);
    }
    const directShow = (data1: string): string => `${data1}-524f-11ce-9f53-0020af0ba770`;
    expect(pixelFormatOfGuid(directShow('e436eb7b'))).toBe('RGB565');
    expect(pixelFormatOfGuid(directShow('e436eb7c'))).toBe('RGB555');
    expect(pixelFormatOfGuid(directShow('e436eb7d'))).toBe('BGR24');
    expect(pixelFormatOfGuid(directShow('e436eb7e'))).toBe('BGRA32');
    expect(pixelFormatOfGuid('69678ee4-410f-40db-a850-7420d7d8240e')).toBe('unknown');
    expect(fourccOf(fourccGuidText('YUY2'))).toBe('YUY2');
    expect(fourccOf(fourccGuidText('Y8  '))).toBe('Y8');
    expect(fourccOf(directShow('e436eb7d'))).toBeUndefined();
  });

  it('bugs.md §7: the thermal camera format with the DirectShow RGB565 GUID', () => {
    const bugs = readFileSync(join(fixturesDir, 'bugs.md'), 'utf8');
    const section = bugs.split(/\n## /).find((part) => part.startsWith('7.')) ?? '';
    const hex = /27-byte format descriptor `([0-9a-f ]+)`/.exec(section)?.[1] ?? '';
    const format = Uint8Array.from(hex.split(' ').map((byte) => parseInt(byte, 16)));
    expect(format).toHaveLength(27);
    expect(pixelFormatOfGuid(format.subarray(5, 21))).toBe('RGB565');
    expect(guidToString(format, 5)).toBe('e436eb7b-524f-11ce-9f53-0020af0ba770');
  });

  it('reject malformed input with INVALID_ARGUMENT', () => {
    const short = catchError(() => guidToString(new Uint8Array(15)));
    expect(short.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
    const text = catchError(() => guidFromString('not-a-guid'));
    expect(text.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
  });
});
