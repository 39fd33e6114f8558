/**
 * Test helper: print real descriptor bytes the way `lsusb -v` does, so the lsusb reader can be
 * checked byte for byte against configurations whose exact bytes are known.
 *
 * Written from the printf formats of usbutils' lsusb.c (two generations):
 * - `old` (before about 2018): GUIDs in wire byte order, wTotalLength and the VS header's
 *   endpoint in decimal, the byte after a VS header printed for every bmaControls(n), no
 *   class-specific VideoControl endpoint, no wBytesPerInterval, bmVideoStandards as `0x%2x`;
 * - `new`: GUIDs in string order, wTotalLength in hex, bEndpointAddress decoded, the
 *   VideoControl endpoint and wBytesPerInterval printed.
 *
 * Descriptors are attributed to libusb's `extra` buffers (configuration, interface, endpoint)
 * and printed with lsusb's rules for each; what lsusb cannot decode is printed in hex.
 */

export type LsusbStyle = 'old' | 'new';

const USB_DT = { CONFIG: 2, INTERFACE: 4, ENDPOINT: 5, IAD: 0x0b, SS_COMPANION: 0x30 } as const;
const CS = { DEVICE: 0x21, INTERFACE: 0x24, ENDPOINT: 0x25 } as const;
const CLASS = { AUDIO: 1, HID: 3, VIDEO: 14 } as const;

type Owner = 'config' | 'interface' | 'endpoint';

interface State {
  style: LsusbStyle;
  bytes: Uint8Array;
  out: string[];
  owner: Owner;
  ifClass: number;
  ifSubClass: number;
  epAttributes: number;
}

const u8 = (bytes: Uint8Array, offset: number): number => bytes[offset] ?? 0;
const u16 = (bytes: Uint8Array, offset: number): number =>
  u8(bytes, offset) | (u8(bytes, offset + 1) << 8);
const u24 = (bytes: Uint8Array, offset: number): number =>
  u16(bytes, offset) + u8(bytes, offset + 2) * 0x10000;
const u32 = (bytes: Uint8Array, offset: number): number =>
  u16(bytes, offset) + u16(bytes, offset + 2) * 0x10000;
const hex2 = (value: number): string => value.toString(16).padStart(2, '0');
const hex4 = (value: number): string => value.toString(16).padStart(4, '0');
const bcd = (value: number): string =>
  `${(value >> 8).toString(16).padStart(2, ' ')}.${hex2(value & 0xff)}`;
const hexList = (bytes: Uint8Array, start: number, end: number): string =>
  Array.from(bytes.subarray(start, end), (byte) => ` ${hex2(byte)}`).join('');

/** `lsusb -v` text for a device descriptor (optional) and a configuration. */
export function printLsusb(
  device: Uint8Array | undefined,
  config: Uint8Array,
  style: LsusbStyle,
): string {
  const out: string[] = [];
  if (device !== undefined) {
    out.push(`Bus 001 Device 002: ID ${hex4(u16(device, 8))}:${hex4(u16(device, 10))}`);
    printDevice(device, out);
  }
  const state: State = {
    style,
    bytes: config,
    out,
    owner: 'config',
    ifClass: 0,
    ifSubClass: 0,
    epAttributes: 0,
  };
  let offset = 0;
  while (offset + 2 <= config.length) {
    const length = u8(config, offset);
    if (length < 2) break;
    printDescriptor(state, offset, length);
    offset += length;
  }
  out.push('Device Status:     0x0000', '  (Bus Powered)');
  return `${out.join('\n')}\n`;
}

function field(out: string[], indent: number, name: string, value: string | number): void {
  const text = typeof value === 'number' ? String(value).padStart(5, ' ') : value;
  out.push(`${' '.repeat(indent)}${name.padEnd(19, ' ')} ${text}`);
}

function printDevice(d: Uint8Array, out: string[]): void {
  out.push('Device Descriptor:');
  field(out, 2, 'bLength', u8(d, 0));
  field(out, 2, 'bDescriptorType', u8(d, 1));
  field(out, 2, 'bcdUSB', ` ${bcd(u16(d, 2))}`);
  field(out, 2, 'bDeviceClass', `${String(u8(d, 4)).padStart(5)} Miscellaneous Device`);
  field(out, 2, 'bDeviceSubClass', `${String(u8(d, 5)).padStart(5)} ?`);
  field(out, 2, 'bDeviceProtocol', `${String(u8(d, 6)).padStart(5)} Interface Association`);
  field(out, 2, 'bMaxPacketSize0', u8(d, 7));
  out.push(`  idVendor           0x${hex4(u16(d, 8))} Some Vendor`);
  out.push(`  idProduct          0x${hex4(u16(d, 10))} Some Camera`);
  field(out, 2, 'bcdDevice', ` ${bcd(u16(d, 12))}`);
  field(out, 2, 'iManufacturer', `${String(u8(d, 14)).padStart(5)} ${u8(d, 14) ? 'Maker' : ''}`);
  field(out, 2, 'iProduct', `${String(u8(d, 15)).padStart(5)} ${u8(d, 15) ? 'Camera' : ''}`);
  field(out, 2, 'iSerial', `${String(u8(d, 16)).padStart(5)} ${u8(d, 16) ? '<SERIAL>' : ''}`);
  field(out, 2, 'bNumConfigurations', u8(d, 17));
}

function printDescriptor(state: State, offset: number, length: number): void {
  const { bytes } = state;
  const type = u8(bytes, offset + 1);
  const buf = bytes.subarray(offset, offset + length);
  if (offset === 0 && type === USB_DT.CONFIG) return printConfig(state, buf);
  if (type === USB_DT.INTERFACE) {
    state.owner = 'interface';
    state.ifClass = u8(buf, 5);
    state.ifSubClass = u8(buf, 6);
    return printInterface(state, buf);
  }
  if (type === USB_DT.ENDPOINT) {
    state.owner = 'endpoint';
    state.epAttributes = u8(buf, 3);
    return printEndpoint(state, buf);
  }
  if (state.owner === 'config')
    return type === USB_DT.IAD ? printAssociation(state, buf) : unrecognized(state, buf, 4);
  if (state.owner === 'interface') return printInterfaceExtra(state, offset, buf, type);
  return printEndpointExtra(state, buf, type);
}

function unrecognized(state: State, buf: Uint8Array, indent: number): void {
  state.out.push(`${' '.repeat(indent)}** UNRECOGNIZED: ${hexList(buf, 0, buf.length)}`);
}

function printConfig(state: State, c: Uint8Array): void {
  const { out, style } = state;
  out.push('  Configuration Descriptor:');
  field(out, 4, 'bLength', u8(c, 0));
  field(out, 4, 'bDescriptorType', u8(c, 1));
  field(out, 4, 'wTotalLength', style === 'new' ? `0x${hex4(u16(c, 2))}` : u16(c, 2));
  field(out, 4, 'bNumInterfaces', u8(c, 4));
  field(out, 4, 'bConfigurationValue', u8(c, 5));
  field(out, 4, 'iConfiguration', `${String(u8(c, 6)).padStart(5)} `);
  out.push(`    bmAttributes         0x${hex2(u8(c, 7))}`, '      (Bus Powered)');
  out.push(`    MaxPower            ${String(u8(c, 8) * 2).padStart(5)}mA`);
}

function printAssociation(state: State, a: Uint8Array): void {
  const { out } = state;
  out.push('    Interface Association:');
  [
    'bLength',
    'bDescriptorType',
    'bFirstInterface',
    'bInterfaceCount',
    'bFunctionClass',
    'bFunctionSubClass',
    'bFunctionProtocol',
    'iFunction',
  ].forEach((name, index) => field(out, 6, name, u8(a, index)));
}

function printInterface(state: State, i: Uint8Array): void {
  const { out } = state;
  out.push('    Interface Descriptor:');
  [
    'bLength',
    'bDescriptorType',
    'bInterfaceNumber',
    'bAlternateSetting',
    'bNumEndpoints',
    'bInterfaceClass',
    'bInterfaceSubClass',
    'bInterfaceProtocol',
    'iInterface',
  ].forEach((name, index) => field(out, 6, name, u8(i, index)));
}

function printEndpoint(state: State, e: Uint8Array): void {
  const { out } = state;
  const address = u8(e, 2);
  const wmax = u16(e, 4);
  out.push('      Endpoint Descriptor:');
  field(out, 8, 'bLength', u8(e, 0));
  field(out, 8, 'bDescriptorType', u8(e, 1));
  out.push(
    `        bEndpointAddress     0x${hex2(address)}  EP ${address & 0x0f} ${address & 0x80 ? 'IN' : 'OUT'}`,
  );
  field(out, 8, 'bmAttributes', u8(e, 3));
  out.push(
    `          Transfer Type            ${['Control', 'Isochronous', 'Bulk', 'Interrupt'][u8(e, 3) & 3]}`,
  );
  out.push(
    `        wMaxPacketSize     0x${hex4(wmax)}  ${['1x', '2x', '3x', '(??)'][(wmax >> 11) & 3]} ${wmax & 0x7ff} bytes`,
  );
  field(out, 8, 'bInterval', u8(e, 6));
  if (u8(e, 0) === 9) {
    field(out, 8, 'bRefresh', u8(e, 7));
    field(out, 8, 'bSynchAddress', u8(e, 8));
  }
}

function printInterfaceExtra(state: State, offset: number, buf: Uint8Array, type: number): void {
  const { ifClass, ifSubClass } = state;
  if (type === CS.DEVICE || type === CS.INTERFACE) {
    if (ifClass === CLASS.AUDIO && ifSubClass === 1) return printAudioControl(state, buf);
    if (ifClass === CLASS.AUDIO && ifSubClass === 2) return printAudioStreaming(state, buf);
    if (ifClass === CLASS.VIDEO && ifSubClass === 1) return printVideoControl(state, offset, buf);
    if (ifClass === CLASS.VIDEO && ifSubClass === 2) return printVideoStreaming(state, offset, buf);
    if (ifClass === CLASS.HID) return printHid(state, buf);
    return unrecognized(state, buf, 6);
  }
  if (ifClass === CLASS.HID) return printHid(state, buf);
  if (ifClass === CLASS.AUDIO)
    return type === CS.ENDPOINT && ifSubClass === 2
      ? printAudioEndpoint(state, buf)
      : unrecognized(state, buf, 6);
  return type === USB_DT.IAD ? printAssociation(state, buf) : unrecognized(state, buf, 6);
}

function printEndpointExtra(state: State, buf: Uint8Array, type: number): void {
  const { out, style, ifClass, ifSubClass } = state;
  if (type === CS.ENDPOINT) {
    if (ifClass === CLASS.AUDIO && ifSubClass === 2) return printAudioEndpoint(state, buf);
    if (style === 'new' && ifClass === CLASS.VIDEO && ifSubClass === 1) {
      out.push('        VideoControl Endpoint Descriptor:');
      field(out, 10, 'bLength', u8(buf, 0));
      field(out, 10, 'bDescriptorType', u8(buf, 1));
      field(out, 10, 'bDescriptorSubtype', `${String(u8(buf, 2)).padStart(5)} (EP_INTERRUPT)`);
      field(out, 10, 'wMaxTransferSize', u16(buf, 3));
    }
    return;
  }
  if (type === CS.INTERFACE)
    return void out.push(`        INTERFACE CLASS: ${hexList(buf, 0, buf.length)}`);
  if (type === CS.DEVICE)
    return void out.push(`        DEVICE CLASS: ${hexList(buf, 0, buf.length)}`);
  if (type === USB_DT.IAD) return printAssociation(state, buf);
  if (type === USB_DT.SS_COMPANION) {
    field(out, 8, 'bMaxBurst', String(u8(buf, 2)).padStart(15));
    const transfer = state.epAttributes & 3;
    if (transfer === 2 && u8(buf, 3) & 0x1f)
      field(out, 8, 'MaxStreams', String(1 << u8(buf, 3)).padStart(14));
    if (transfer === 1 && u8(buf, 3) & 3)
      field(out, 8, 'Mult', String(u8(buf, 3) & 3).padStart(20));
    if (style === 'new' && (transfer === 1 || transfer === 3))
      field(out, 8, 'wBytesPerInterval', String(u16(buf, 4)).padStart(7));
    return;
  }
  unrecognized(state, buf, 8);
}

function classHeader(out: string[], title: string, buf: Uint8Array, name?: string): void {
  out.push(`      ${title}:`);
  field(out, 8, 'bLength', u8(buf, 0));
  field(out, 8, 'bDescriptorType', u8(buf, 1));
  field(
    out,
    8,
    'bDescriptorSubtype',
    `${String(u8(buf, 2)).padStart(5)} ${name === undefined ? '(unknown)' : `(${name})`}`,
  );
}

function junk(out: string[], buf: Uint8Array, expected: number): void {
  if (buf.length > expected)
    out.push(`        junk at descriptor end:${hexList(buf, expected, buf.length)}`);
}

function guid(style: LsusbStyle, buf: Uint8Array, offset: number): string {
  const b = (index: number): string => hex2(u8(buf, offset + index));
  const order = style === 'old' ? [0, 1, 2, 3, 4, 5, 6, 7] : [3, 2, 1, 0, 5, 4, 7, 6];
  const head = order.map(b);
  return `{${head.slice(0, 4).join('')}-${head.slice(4, 6).join('')}-${head.slice(6, 8).join('')}-${b(8)}${b(9)}-${[10, 11, 12, 13, 14, 15].map(b).join('')}}`;
}

function printVideoControl(state: State, offset: number, buf: Uint8Array): void {
  const { out, style, bytes } = state;
  const subtype = u8(buf, 2);
  const names: Record<number, string> = {
    1: 'HEADER',
    2: 'INPUT_TERMINAL',
    3: 'OUTPUT_TERMINAL',
    4: 'SELECTOR_UNIT',
    5: 'PROCESSING_UNIT',
    6: 'EXTENSION_UNIT',
  };
  classHeader(out, 'VideoControl Interface Descriptor', buf, names[subtype]);
  switch (subtype) {
    case 1: {
      const n = u8(buf, 11);
      const freq = u32(buf, 7);
      field(out, 8, 'bcdUVC', ` ${bcd(u16(buf, 3))}`);
      field(out, 8, 'wTotalLength', style === 'new' ? `0x${hex4(u16(buf, 5))}` : u16(buf, 5));
      field(
        out,
        8,
        'dwClockFrequency',
        `${String(Math.floor(freq / 1e6)).padStart(5)}.${String(freq % 1e6).padStart(6, '0')}MHz`,
      );
      field(out, 8, 'bInCollection', n);
      for (let i = 0; i < n; i += 1)
        field(out, 8, `baInterfaceNr(${String(i).padStart(2)})`, u8(buf, 12 + i));
      return junk(out, buf, 12 + n);
    }
    case 2: {
      const termt = u16(buf, 4);
      field(out, 8, 'bTerminalID', u8(buf, 3));
      out.push(`        wTerminalType      0x${hex4(termt)} Camera Sensor`);
      field(out, 8, 'bAssocTerminal', u8(buf, 6));
      field(out, 8, 'iTerminal', `${String(u8(buf, 7)).padStart(5)} `);
      let n = 0;
      if (termt === 0x0201) {
        n = 7 + u8(buf, 14);
        out.push(`        wObjectiveFocalLengthMin  ${String(u16(buf, 8)).padStart(5)}`);
        out.push(`        wObjectiveFocalLengthMax  ${String(u16(buf, 10)).padStart(5)}`);
        out.push(`        wOcularFocalLength        ${String(u16(buf, 12)).padStart(5)}`);
        out.push(`        bControlSize              ${String(u8(buf, 14)).padStart(5)}`);
        let ctrls = 0;
        for (let i = 0; i < 3 && i < u8(buf, 14); i += 1)
          ctrls = ctrls * 256 + u8(buf, 8 + n - i - 1);
        out.push(`        bmControls           0x${ctrls.toString(16).padStart(8, '0')}`);
      }
      return junk(out, buf, 8 + n);
    }
    case 3:
      field(out, 8, 'bTerminalID', u8(buf, 3));
      out.push(`        wTerminalType      0x${hex4(u16(buf, 4))} USB Streaming`);
      field(out, 8, 'bAssocTerminal', u8(buf, 6));
      field(out, 8, 'bSourceID', u8(buf, 7));
      field(out, 8, 'iTerminal', `${String(u8(buf, 8)).padStart(5)} `);
      return junk(out, buf, 9);
    case 5: {
      const n = u8(buf, 7);
      if (buf.length < 10 + n) out.push('      Warning: Descriptor too short');
      field(out, 8, 'bUnitID', u8(buf, 3));
      field(out, 8, 'bSourceID', u8(buf, 4));
      field(out, 8, 'wMaxMultiplier', u16(buf, 5));
      field(out, 8, 'bControlSize', n);
      let ctrls = 0;
      for (let i = 0; i < 3 && i < n; i += 1) ctrls = ctrls * 256 + u8(buf, 8 + n - i - 1);
      out.push(`        bmControls     0x${ctrls.toString(16).padStart(8, '0')}`);
      field(out, 8, 'iProcessing', `${String(u8(buf, 8 + n)).padStart(5)} `);
      // lsusb reads bmVideoStandards at 9 + n even past bLength: the next descriptor's byte.
      const stds = u8(bytes, offset + 9 + n);
      out.push(
        `        bmVideoStandards     0x${style === 'old' ? stds.toString(16).padStart(2, ' ') : hex2(stds)}`,
      );
      return;
    }
    case 6: {
      const p = u8(buf, 21);
      const n = u8(buf, 22 + p);
      field(out, 8, 'bUnitID', u8(buf, 3));
      out.push(`        guidExtensionCode         ${guid(style, buf, 4)}`);
      field(out, 8, style === 'new' ? 'bNumControls' : 'bNumControl', u8(buf, 20));
      field(out, 8, style === 'new' ? 'bNrInPins' : 'bNrPins', p);
      for (let i = 0; i < p; i += 1)
        field(out, 8, `baSourceID(${String(i).padStart(2)})`, u8(buf, 22 + i));
      field(out, 8, 'bControlSize', n);
      for (let i = 0; i < n; i += 1)
        out.push(
          `        bmControls(${String(i).padStart(2)})       0x${hex2(u8(buf, 23 + p + i))}`,
        );
      field(out, 8, 'iExtension', `${String(u8(buf, 23 + p + n)).padStart(5)} `);
      return junk(out, buf, 24 + p + n);
    }
    default:
      out.push(`        Invalid desc subtype:${hexList(buf, 3, buf.length)}`);
  }
}

function printVideoStreaming(state: State, offset: number, buf: Uint8Array): void {
  const { out, style, bytes } = state;
  const subtype = u8(buf, 2);
  const names: Record<number, string> = {
    1: 'INPUT_HEADER',
    3: 'STILL_IMAGE_FRAME',
    4: 'FORMAT_UNCOMPRESSED',
    5: 'FRAME_UNCOMPRESSED',
    6: 'FORMAT_MJPEG',
    7: 'FRAME_MJPEG',
    13: 'COLORFORMAT',
    16: 'FORMAT_FRAME_BASED',
    17: 'FRAME_FRAME_BASED',
  };
  const name = names[subtype];
  out.push('      VideoStreaming Interface Descriptor:');
  field(out, 8, 'bLength', u8(buf, 0));
  field(out, 8, 'bDescriptorType', u8(buf, 1));
  if (name === undefined) {
    out.push(
      `        bDescriptorSubtype              ${String(subtype).padStart(5)}         Invalid desc subtype:${hexList(buf, 3, buf.length)}`,
    );
    return;
  }
  out.push(`        bDescriptorSubtype              ${String(subtype).padStart(5)} (${name})`);
  const vs = (label: string, value: string | number): void => {
    out.push(
      `        ${label.padEnd(32)}${typeof value === 'number' ? String(value).padStart(5) : value}`,
    );
  };
  switch (subtype) {
    case 1: {
      const p = u8(buf, 3);
      const n = u8(buf, 12);
      vs('bNumFormats', p);
      vs('wTotalLength', style === 'new' ? `0x${hex4(u16(buf, 4))}` : u16(buf, 4));
      if (style === 'new') {
        const address = u8(buf, 6);
        out.push(
          `        bEndpointAddress                 0x${hex2(address)}  EP ${address & 0x0f} ${address & 0x80 ? 'IN' : 'OUT'}`,
        );
      } else {
        vs('bEndPointAddress', u8(buf, 6));
      }
      [
        'bmInfo',
        'bTerminalLink',
        'bStillCaptureMethod',
        'bTriggerSupport',
        'bTriggerUsage',
      ].forEach((label, index) => vs(label, u8(buf, 7 + index)));
      vs('bControlSize', n);
      for (let i = 0; i < p; i += 1) {
        // Old lsusb read buf[13 + p * n] (past the descriptor) for every format.
        const value = style === 'old' ? u8(bytes, offset + 13 + p * n) : u8(buf, 13 + i * n);
        vs(`bmaControls(${String(i).padStart(2)})`, value);
      }
      return junk(out, buf, 13 + p * n);
    }
    case 3: {
      const n = u8(buf, 4);
      const m = u8(buf, 5 + 4 * n);
      vs('bEndpointAddress', u8(buf, 3));
      vs('bNumImageSizePatterns', n);
      for (let i = 0; i < n; i += 1) {
        vs(`wWidth(${String(i).padStart(2)})`, u16(buf, 5 + 4 * i));
        vs(`wHeight(${String(i).padStart(2)})`, u16(buf, 7 + 4 * i));
      }
      vs('bNumCompressionPatterns', style === 'old' ? n : m);
      for (let i = 0; i < m; i += 1)
        vs(`bCompression(${String(i).padStart(2)})`, u8(buf, 6 + 4 * n + i));
      return junk(out, buf, 6 + 4 * n + m);
    }
    case 4:
    case 16:
      vs('bFormatIndex', u8(buf, 3));
      vs('bNumFrameDescriptors', u8(buf, 4));
      out.push(`        guidFormat                            ${guid(style, buf, 5)}`);
      ['bBitsPerPixel', 'bDefaultFrameIndex', 'bAspectRatioX', 'bAspectRatioY'].forEach(
        (label, index) => vs(label, u8(buf, 21 + index)),
      );
      vs('bmInterlaceFlags', `0x${hex2(u8(buf, 25))}`);
      vs('bCopyProtect', u8(buf, 26));
      if (subtype === 16) vs('bVariableSize', u8(buf, 27));
      return junk(out, buf, subtype === 16 ? 28 : 27);
    case 5:
    case 7:
    case 17: {
      const typeAt = subtype === 17 ? 21 : 25;
      vs('bFrameIndex', u8(buf, 3));
      vs('bmCapabilities', `0x${hex2(u8(buf, 4))}`);
      vs('wWidth', u16(buf, 5));
      vs('wHeight', u16(buf, 7));
      vs('dwMinBitRate', u32(buf, 9));
      vs('dwMaxBitRate', u32(buf, 13));
      if (subtype === 17) {
        vs('dwDefaultFrameInterval', u32(buf, 17));
        vs('bFrameIntervalType', u8(buf, 21));
        vs('dwBytesPerLine', u32(buf, 22));
      } else {
        vs('dwMaxVideoFrameBufferSize', u32(buf, 17));
        vs('dwDefaultFrameInterval', u32(buf, 21));
        vs('bFrameIntervalType', u8(buf, 25));
      }
      const count = u8(buf, typeAt);
      if (count === 0) {
        vs('dwMinFrameInterval', u32(buf, 26));
        vs('dwMaxFrameInterval', u32(buf, 30));
        vs('dwFrameIntervalStep', u32(buf, 34));
      } else {
        for (let i = 0; i < count; i += 1)
          vs(`dwFrameInterval(${String(i).padStart(2)})`, u32(buf, 26 + 4 * i));
      }
      return junk(out, buf, count === 0 ? 38 : 26 + 4 * count);
    }
    case 6:
      vs('bFormatIndex', u8(buf, 3));
      vs('bNumFrameDescriptors', u8(buf, 4));
      vs('bFlags', u8(buf, 5));
      ['bDefaultFrameIndex', 'bAspectRatioX', 'bAspectRatioY'].forEach((label, index) =>
        vs(label, u8(buf, 6 + index)),
      );
      vs('bmInterlaceFlags', `0x${hex2(u8(buf, 9))}`);
      vs('bCopyProtect', u8(buf, 10));
      return junk(out, buf, 11);
    case 13:
      vs('bColorPrimaries', `${String(u8(buf, 3)).padStart(5)} (x)`);
      vs('bTransferCharacteristics', `${String(u8(buf, 4)).padStart(5)} (x)`);
      vs('bMatrixCoefficients', `${String(u8(buf, 5)).padStart(5)} (x)`);
      return junk(out, buf, 6);
    default:
  }
}

function printAudioControl(state: State, buf: Uint8Array): void {
  const { out } = state;
  const subtype = u8(buf, 2);
  const names: Record<number, string> = {
    1: 'HEADER',
    2: 'INPUT_TERMINAL',
    3: 'OUTPUT_TERMINAL',
    6: 'FEATURE_UNIT',
  };
  classHeader(out, 'AudioControl Interface Descriptor', buf, names[subtype]);
  switch (subtype) {
    case 1:
      field(out, 8, 'bcdADC', ` ${bcd(u16(buf, 3))}`);
      field(out, 8, 'wTotalLength', u16(buf, 5));
      field(out, 8, 'bInCollection', u8(buf, 7));
      for (let i = 0; i < u8(buf, 7); i += 1)
        field(out, 8, `baInterfaceNr(${String(i).padStart(2)})`, u8(buf, 8 + i));
      return junk(out, buf, 8 + u8(buf, 7));
    case 2:
      field(out, 8, 'bTerminalID', u8(buf, 3));
      out.push(`        wTerminalType      0x${hex4(u16(buf, 4))} Microphone`);
      field(out, 8, 'bAssocTerminal', u8(buf, 6));
      field(out, 8, 'bNrChannels', u8(buf, 7));
      out.push(`        wChannelConfig     0x${hex4(u16(buf, 8))}`);
      field(out, 8, 'iChannelNames', `${String(u8(buf, 10)).padStart(5)} `);
      field(out, 8, 'iTerminal', `${String(u8(buf, 11)).padStart(5)} `);
      return junk(out, buf, 12);
    case 3:
      field(out, 8, 'bTerminalID', u8(buf, 3));
      out.push(`        wTerminalType      0x${hex4(u16(buf, 4))} USB Streaming`);
      field(out, 8, 'bAssocTerminal', u8(buf, 6));
      field(out, 8, 'bSourceID', u8(buf, 7));
      field(out, 8, 'iTerminal', `${String(u8(buf, 8)).padStart(5)} `);
      return junk(out, buf, 9);
    case 6: {
      const size = u8(buf, 5) || 1;
      const k = Math.floor((buf.length - 7) / size);
      field(out, 8, 'bUnitID', u8(buf, 3));
      field(out, 8, 'bSourceID', u8(buf, 4));
      field(out, 8, 'bControlSize', u8(buf, 5));
      for (let i = 0; i < k; i += 1) {
        for (let j = 0; j < u8(buf, 5); j += 1)
          out.push(
            `        bmaControls(${String(i).padStart(2)})      0x${hex2(u8(buf, 6 + u8(buf, 5) * i + j))}`,
          );
      }
      field(out, 8, 'iFeature', `${String(u8(buf, 6 + u8(buf, 5) * k)).padStart(5)} `);
      return junk(out, buf, 7 + u8(buf, 5) * k);
    }
    default:
      out.push(`        Invalid desc subtype:${hexList(buf, 3, buf.length)}`);
  }
}

function printAudioStreaming(state: State, buf: Uint8Array): void {
  const { out } = state;
  const subtype = u8(buf, 2);
  classHeader(
    out,
    'AudioStreaming Interface Descriptor',
    buf,
    subtype === 1 ? 'AS_GENERAL' : subtype === 2 ? 'FORMAT_TYPE' : undefined,
  );
  if (subtype === 1) {
    field(out, 8, 'bTerminalLink', u8(buf, 3));
    field(out, 8, 'bDelay', `${String(u8(buf, 4)).padStart(5)} frames`);
    field(out, 8, 'wFormatTag', `${String(u16(buf, 5)).padStart(5)} PCM`);
    return junk(out, buf, 7);
  }
  if (subtype === 2 && u8(buf, 3) === 1) {
    field(out, 8, 'bFormatType', `${String(u8(buf, 3)).padStart(5)} (FORMAT_TYPE_I)`);
    field(out, 8, 'bNrChannels', u8(buf, 4));
    field(out, 8, 'bSubframeSize', u8(buf, 5));
    field(out, 8, 'bBitResolution', u8(buf, 6));
    field(
      out,
      8,
      'bSamFreqType',
      `${String(u8(buf, 7)).padStart(5)} ${u8(buf, 7) ? 'Discrete' : 'Continuous'}`,
    );
    if (u8(buf, 7) === 0) {
      field(out, 8, 'tLowerSamFreq', String(u24(buf, 8)).padStart(7));
      field(out, 8, 'tUpperSamFreq', String(u24(buf, 11)).padStart(7));
      return junk(out, buf, 14);
    }
    for (let i = 0; i < u8(buf, 7); i += 1)
      field(out, 8, `tSamFreq[${String(i).padStart(2)}]`, String(u24(buf, 8 + 3 * i)).padStart(7));
    return junk(out, buf, 8 + 3 * u8(buf, 7));
  }
  out.push(`        Invalid desc subtype:${hexList(buf, 3, buf.length)}`);
}

function printAudioEndpoint(state: State, buf: Uint8Array): void {
  const { out } = state;
  out.push('        AudioControl Endpoint Descriptor:');
  field(out, 10, 'bLength', u8(buf, 0));
  field(out, 10, 'bDescriptorType', u8(buf, 1));
  field(out, 10, 'bDescriptorSubtype', `${String(u8(buf, 2)).padStart(5)} (EP_GENERAL)`);
  out.push(`          bmAttributes         0x${hex2(u8(buf, 3))}`);
  field(out, 10, 'bLockDelayUnits', `${String(u8(buf, 4)).padStart(5)} Undefined`);
  field(out, 10, 'wLockDelay', `${String(u16(buf, 5)).padStart(5)} Undefined`);
}

function printHid(state: State, buf: Uint8Array): void {
  const { out } = state;
  out.push('        HID Device Descriptor:');
  field(out, 10, 'bLength', u8(buf, 0));
  field(out, 10, 'bDescriptorType', u8(buf, 1));
  field(out, 10, 'bcdHID', ` ${bcd(u16(buf, 2))}`);
  field(out, 10, 'bCountryCode', `${String(u8(buf, 4)).padStart(5)} Not supported`);
  field(out, 10, 'bNumDescriptors', u8(buf, 5));
  for (let i = 0; i < u8(buf, 5); i += 1) {
    field(out, 10, 'bDescriptorType', `${String(u8(buf, 6 + 3 * i)).padStart(5)} Report`);
    field(out, 10, 'wDescriptorLength', u16(buf, 7 + 3 * i));
  }
  out.push('         Report Descriptors: ', '           ** UNAVAILABLE **');
}
