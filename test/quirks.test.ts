/**
 * The quirk table: sorted, every device of the fixtures' bugs.md in it, overrides, notices once
 * per device, and the table reaching negotiation (GET_DEF(PROBE) skipped for the devices that
 * STALL it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { UvcCamera } from '../src/camera/uvc-camera.js';
import { EmulatedCamera } from '../src/usb/emulated.js';
import { UVC_REQ, VS_CONTROL } from '../src/uvc/constants.js';
import { compositeDeviceDescriptor, writeDeviceDescriptor } from '../src/uvc/descriptor-builder.js';
import {
  QUIRK_FLAGS,
  QUIRK_TABLE,
  deviceId,
  negotiateQuirksOf,
  noticeOnce,
  parseQuirkFlag,
  resolveQuirks,
  type QuirkNotice,
} from '../src/uvc/quirks.js';
import { fixturesDir, rawDescriptorsDir } from './fixtures.js';

const bugs = readFileSync(join(fixturesDir, 'bugs.md'), 'utf8');

/** Every VID:PID bugs.md names, `05a9:2640/2641` lists expanded. */
function bugsDeviceIds(): string[] {
  const ids = new Set<string>();
  for (const match of bugs.matchAll(/\b([0-9a-f]{4}):([0-9a-f]{4}(?:\/[0-9a-f]{4})*)/g)) {
    for (const product of match[2]!.split('/')) ids.add(`${match[1]}:${product}`);
  }
  return [...ids].sort();
}

describe('the quirk table', () => {
  it('is sorted by VID:PID, without duplicates, each entry naming its product and flags', () => {
    const ids = QUIRK_TABLE.map(deviceId);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of QUIRK_TABLE) {
      expect(entry.product.length, deviceId(entry)).toBeGreaterThan(3);
      expect(entry.flags.length).toBeGreaterThan(0);
      for (const flag of entry.flags) expect(QUIRK_FLAGS[flag]?.description, flag).toBeTruthy();
    }
  });

  it('covers every device bugs.md names', () => {
    const found = bugsDeviceIds();
    expect(found.length).toBeGreaterThan(40);
    const table = new Set(QUIRK_TABLE.map(deviceId));
    expect(found.filter((id) => !table.has(id))).toEqual([]);
  });

  it('carries the Linux flag values bugs.md lists', () => {
    let rows = 0;
    for (const row of bugs.matchAll(/^\| UVC_QUIRK_([A-Z0-9_]+) \| (0x[0-9a-f]+) \|/gm)) {
      const name = row[1]!.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      const renamed: Record<string, string> = {
        restoreCtrlsOnInit: 'restoreControlsOnInit',
        builtinIsight: 'builtinISight',
        probeMinmax: 'probeMinMax',
        probeExtrafields: 'probeExtraFields',
      };
      const flag = parseQuirkFlag(renamed[name] ?? name);
      expect(flag, row[1]).toBeDefined();
      expect(QUIRK_FLAGS[flag!].linux, row[1]).toBe(Number(row[2]));
      rows += 1;
    }
    expect(rows).toBe(18);
  });

  it('resolves a device’s flags, with the user’s override', () => {
    const kiyo = resolveQuirks({ idVendor: 0x1532, idProduct: 0x0e05 });
    const kiyoFlags = [
      'controlThrottle',
      'disableAutosuspend',
      'noErrorCodeQuery',
      'noResetResume',
    ];
    expect([...kiyo.flags].sort()).toEqual(kiyoFlags);
    expect(kiyo.throttle?.burst).toBeGreaterThan(0);
    expect(kiyo.product).toBe('Razer Kiyo Pro');

    const kiyoId = { idVendor: 0x1532, idProduct: 0x0e05 };
    const adjusted = resolveQuirks(kiyoId, { remove: ['controlThrottle'], add: ['probeDef'] });
    expect(adjusted.flags.has('controlThrottle')).toBe(false);
    expect(adjusted.throttle).toBeUndefined();
    expect(adjusted.flags.has('probeDef')).toBe(true);

    const throttle = { burst: 2, perSecond: 10, backOffMs: 50 };
    const unknown = resolveQuirks({ idVendor: 0x1209, idProduct: 0x0001 }, { throttle });
    expect([...unknown.flags]).toEqual(['controlThrottle']);
    expect(unknown.throttle?.burst).toBe(2);
    expect(resolveQuirks({ idVendor: 0x1532, idProduct: 0x0e05 }, { only: [] }).flags.size).toBe(0);

    // The ProScopeHR quirk applies up to bcdDevice 1.26 only.
    const proScope = { idVendor: 0x19ab, idProduct: 0x1000 };
    const early = resolveQuirks({ ...proScope, bcdDevice: 0x0126 });
    expect(early.flags.has('statusInterval')).toBe(true);
    expect(resolveQuirks({ ...proScope, bcdDevice: 0x0127 }).flags.size).toBe(0);

    const mt6227 = resolveQuirks({ idVendor: 0x0e8d, idProduct: 0x0004 });
    expect(negotiateQuirksOf(mt6227)).toEqual({ probeDef: true, probeMinMax: true });
  });

  it('gives a notice once per device and key', () => {
    const notices: QuirkNotice[] = [];
    const first = {};
    const second = {};
    const notice = { device: '1532:0e05', kind: 'controlUnsupported', message: 'm' };
    expect(noticeOnce(first, (n) => notices.push(n), notice, 'focusAbsolute')).toBe(true);
    expect(noticeOnce(first, (n) => notices.push(n), notice, 'focusAbsolute')).toBe(false);
    expect(noticeOnce(first, (n) => notices.push(n), notice, 'zoomAbsolute')).toBe(true);
    expect(noticeOnce(second, (n) => notices.push(n), notice, 'focusAbsolute')).toBe(true);
    expect(notices).toHaveLength(3);
  });
});

describe('quirks reach the driver', () => {
  /** The C310's configuration under another VID:PID; counts GET_DEF(PROBE) requests. */
  async function openAs(idVendor: number, idProduct: number) {
    const c310 = join(rawDescriptorsDir, 'logitech_c310_046d-081b.config.bin');
    const configuration = new Uint8Array(readFileSync(c310));
    const device = writeDeviceDescriptor(compositeDeviceDescriptor({ idVendor, idProduct }));
    const counts = { probeDefaults: 0 };
    const emulated = new EmulatedCamera({
      configuration,
      device,
      pace: 'asap',
      controls: (setup) => {
        const probe =
          setup.requestType === 'class' &&
          setup.value >> 8 === VS_CONTROL.PROBE_CONTROL &&
          (setup.index & 0xff) === 1;
        if (probe && setup.request === UVC_REQ.GET_DEF) counts.probeDefaults += 1;
        return undefined;
      },
    });
    const notices: QuirkNotice[] = [];
    const camera = await UvcCamera.open(emulated, { onNotice: (n) => notices.push(n) });
    return { camera, counts, notices };
  }

  it('LifeCam NX-3000 (probeDef): negotiation starts from GET_CUR, and says why once', async () => {
    const { camera, counts, notices } = await openAs(0x045e, 0x0721);
    try {
      const stream = await camera.startStream({ pixelFormat: 'MJPEG' }, (frame) => frame.release());
      expect(stream.negotiation.defaults.source).toBe('GET_CUR');
      await stream.stop();
      expect(counts.probeDefaults).toBe(0);
      expect(notices.map((n) => n.kind)).toEqual(['probeDef']);
      expect(notices[0]!.message).toMatch(/LifeCam NX-3000/);
    } finally {
      await camera.close();
    }
  });

  it('a device outside the table negotiates from GET_DEF', async () => {
    const { camera, counts, notices } = await openAs(0x1209, 0x0002);
    try {
      const stream = await camera.startStream({ pixelFormat: 'MJPEG' }, (frame) => frame.release());
      expect(stream.negotiation.defaults.source).toBe('GET_DEF');
      await stream.stop();
      expect(counts.probeDefaults).toBe(1);
      expect(notices).toEqual([]);
    } finally {
      await camera.close();
    }
  });
});
