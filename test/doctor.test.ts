/**
 * `webuvc doctor`: the diagnosis from facts made up by hand (permission, kernel driver, not a
 * UVC device, missing binding, no USB, unusable descriptors), the built command with the
 * native binding pointed at a file that does not exist, and the built command under
 * umockdev, where node-usb's libusb enumerates and opens emulated devices: a Logitech C270
 * (real descriptors) with a kernel driver bound, a bulk camera, and a device that is not UVC.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { diagnose, formatReport, udevFix, type Finding } from '../src/cli/doctor.js';
import type { DeviceFacts, DoctorFacts } from '../src/cli/doctor-facts.js';
import { CameraErrorCode, USB_FAILURE_CODES } from '../src/errors.js';
import { webuvc } from './cli-run.js';
import { projectRoot } from './fixtures.js';
import type { EmulatedUsbDevice } from './umockdev/minimal-camera.js';
import { CAMERAS, camera, childProgram, describeRun, describeUmockdev, emulated, runWithDevices } from './umockdev/setup.js';

const MISSING_BINDING = '/nonexistent/webuvc-native.node';

/** A Logitech C270 as the facts gatherer would describe it when all is well. */
function c270(overrides: Partial<DeviceFacts> = {}): DeviceFacts {
  return {
    vendorId: 0x046d,
    productId: 0x0825,
    busNumber: 1,
    deviceAddress: 4,
    portPath: '1-2',
    devnode: '/dev/bus/usb/001/004',
    deviceClass: 0xef,
    interfaces: [
      { number: 0, interfaceClass: 0x0e, interfaceSubClass: 1 },
      { number: 1, interfaceClass: 0x0e, interfaceSubClass: 2 },
      { number: 2, interfaceClass: 0x01, interfaceSubClass: 1 },
      { number: 3, interfaceClass: 0x01, interfaceSubClass: 2 },
    ],
    video: true,
    streaming: 'isochronous',
    access: 'ok',
    open: { ok: true },
    kernelDrivers: [],
    videoNodes: [],
    descriptors: { ok: true },
    ...overrides,
  };
}

/** A device with one vendor-specific interface (how pre-UVC webcams present themselves). */
function vendorDevice(): DeviceFacts {
  return {
    vendorId: 0x1209,
    productId: 0x0002,
    busNumber: 1,
    deviceAddress: 5,
    portPath: '1-3',
    devnode: '/dev/bus/usb/001/005',
    deviceClass: 0,
    interfaces: [{ number: 0, interfaceClass: 0xff, interfaceSubClass: 0xff }],
    video: false,
    access: 'ok',
  };
}

function facts(devices: DeviceFacts[], overrides: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    platform: 'linux',
    arch: 'x64',
    node: 'v20.9.0',
    binding: { available: true, libusbVersion: '1.0.30' },
    usb: { available: true },
    devices,
    ...overrides,
  };
}

function problems(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.level === 'problem');
}

describe('diagnose', () => {
  it('finds nothing wrong with an accessible camera and says how it streams', () => {
    const findings = diagnose(facts([c270()]));
    expect(problems(findings)).toEqual([]);
    expect(findings).toContainEqual(expect.objectContaining({ level: 'ok', check: 'camera', device: '046d:0825' }));
    expect(findings.find((f) => f.check === 'camera')!.message).toMatch(/isochronous/);
    expect(formatReport({ ok: true, facts: facts([c270()]), findings })).toMatch(/no problems found$/);
  });

  it('explains no permission with the udev rule for that camera, and the group when missing', () => {
    const findings = diagnose(facts([c270({ access: 'denied', open: undefined })], { inVideoGroup: false }));
    const [problem] = problems(findings);
    expect(problem).toMatchObject({ check: 'permission', code: CameraErrorCode.DEVICE_DISABLED, codeName: 'DEVICE_DISABLED' });
    expect(problem!.message).toMatch(/no permission to open \/dev\/bus\/usb\/001\/004/);
    const rule = problem!.fix!.join('\n');
    expect(rule).toMatch(/ATTR\{idVendor\}=="046d", ATTR\{idProduct\}=="0825"/);
    expect(rule).toMatch(/udevadm control --reload-rules && sudo udevadm trigger/);
    expect(rule).toMatch(/usermod -aG video/);
    expect(udevFix({ vendorId: 0x046d, productId: 0x0825 }, true).join('\n')).not.toMatch(/usermod/);
  });

  it('writes the same rule as the README, narrowed to the camera', async () => {
    const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
    const documented = /echo '(SUBSYSTEM=="usb"[^']*)'/.exec(readme)?.[1];
    expect(documented, 'the README shows a udev rule').toBeDefined();
    const ours = /echo '([^']*)'/.exec(udevFix({ vendorId: 0x046d, productId: 0x0825 }, true)[0]!)![1]!;
    // Every key of the README's rule but the class match is in ours, with the same value.
    for (const clause of documented!.split(', ').filter((c) => !c.includes('bDeviceClass'))) {
      expect(ours).toContain(clause);
    }
  });

  it('takes a libusb ACCESS failure on open for the same permission problem', () => {
    const device = c270({ open: { ok: false, failure: 'access', message: 'LIBUSB_ERROR_ACCESS' } });
    const [problem] = problems(diagnose(facts([device])));
    expect(problem).toMatchObject({ check: 'permission', code: 7400108 });
    expect(problem!.message).toMatch(/LIBUSB_ERROR_ACCESS/);
  });

  it('gives other open failures the code of the USB failure table', () => {
    const device = c270({ open: { ok: false, failure: 'disconnected', message: 'LIBUSB_ERROR_NO_DEVICE' } });
    const [problem] = problems(diagnose(facts([device])));
    expect(problem).toMatchObject({ check: 'open', code: USB_FAILURE_CODES.disconnected.code });
    expect(problem!.fix).toEqual([USB_FAILURE_CODES.disconnected.remedy]);
  });

  it('names the kernel driver, its interfaces and video nodes, and how it gets in the way', () => {
    const device = c270({
      kernelDrivers: [
        { interface: 0, driver: 'uvcvideo' },
        { interface: 1, driver: 'uvcvideo' },
      ],
      videoNodes: ['/dev/video0', '/dev/video1'],
    });
    const findings = diagnose(facts([device]));
    expect(problems(findings)).toEqual([]);
    const note = findings.find((f) => f.check === 'kernelDriver')!;
    expect(note).toMatchObject({ level: 'note', code: CameraErrorCode.CONFLICT_CAMERA });
    expect(note.message).toMatch(/uvcvideo holds interfaces 0, 1; webuvc detaches it/);
    expect(note.message).toMatch(/\/dev\/video0, \/dev\/video1/);
  });

  it('says a device asked for is not UVC, with its interface classes', () => {
    const findings = diagnose(facts([c270(), vendorDevice()], { wanted: { vendorId: 0x1209, productId: 0x0002 } }));
    const [problem] = problems(findings);
    expect(problem).toMatchObject({ check: 'notUvc', device: '1209:0002', code: 7400108 });
    expect(problem!.message).toMatch(/is not a UVC camera: it has no VideoControl interface \(its interfaces: 0xff vendor specific\)/);
    expect(problem!.message).toMatch(/gspca/);
    // The C270 was not asked about.
    expect(findings.some((f) => f.device === '046d:0825')).toBe(false);
  });

  it('says when no camera is attached, pointing at vendor-specific devices', () => {
    const [problem] = problems(diagnose(facts([vendorDevice()])));
    expect(problem).toMatchObject({ check: 'camera', code: 7400108 });
    expect(problem!.message).toMatch(/no UVC camera is attached \(1 USB devices seen; 1209:0002 have vendor-specific interfaces/);
  });

  it('says when the device asked for is not attached at all', () => {
    const [problem] = problems(diagnose(facts([c270()], { wanted: { vendorId: 0x1234, productId: 0x5678 } })));
    expect(problem).toMatchObject({ check: 'camera', device: '1234:5678' });
    expect(problem!.message).toMatch(/no USB device 1234:5678 is attached/);
  });

  it('makes a missing binding a problem for isochronous cameras and a note otherwise', () => {
    const binding = { available: false, reason: 'the native streaming binding was not built (no x.node)' };
    const iso = problems(diagnose(facts([c270()], { binding })));
    expect(iso).toHaveLength(1);
    expect(iso[0]).toMatchObject({ check: 'streaming', device: '046d:0825', code: 7400108 });
    expect(iso[0]!.message).toMatch(/isochronous endpoints, which need webuvc's native binding: the native streaming binding was not built \(no x.node\)/);
    expect(iso[0]!.fix![0]).toMatch(/node native-bindings\/build.mjs/);

    const bulk = diagnose(facts([c270({ streaming: 'bulk' })], { binding }));
    expect(problems(bulk)).toEqual([]);
    expect(bulk[0]).toMatchObject({ level: 'note', check: 'binding' });
  });

  it('reports a system without USB', () => {
    const findings = diagnose(facts([], { usb: { available: false, reason: '/sys/bus/usb/devices does not exist' } }));
    expect(problems(findings)).toEqual([expect.objectContaining({ check: 'usb', code: 7400108 })]);
  });

  it('reports descriptors webuvc refuses, with their code', () => {
    const device = c270({ descriptors: { ok: false, code: 7400108, codeName: 'DEVICE_DISABLED', message: 'no VideoControl header' } });
    const [problem] = problems(diagnose(facts([device])));
    expect(problem).toMatchObject({ check: 'descriptors', code: 7400108 });
  });
});

describe('webuvc doctor (the built command)', () => {
  it('explains a binding that was not built, with the reason, and exits 3 on what it finds', async () => {
    const result = await webuvc(['doctor', '--json'], { WEBUVC_NATIVE_BINDING: MISSING_BINDING });
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.facts.binding).toEqual({ available: false, reason: expect.stringContaining(MISSING_BINDING) });
    const binding = report.findings.find((f: Finding) => f.check === 'binding' || f.check === 'streaming');
    expect(binding.message).toContain(`no ${MISSING_BINDING}`);
    // This machine has no camera (and no USB): that is a problem, 7400108.
    const first = report.findings.find((f: Finding) => f.level === 'problem');
    expect(first.code).toBe(7400108);
    expect(result.stderr).toMatch(/^webuvc doctor: error 7400108 DEVICE_DISABLED: /);
  });

  it('prints the findings for people', async () => {
    const result = await webuvc(['doctor'], { WEBUVC_NATIVE_BINDING: MISSING_BINDING });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^webuvc doctor: linux/);
    expect(result.stdout).toMatch(/note {5}the native streaming binding is unavailable/);
    expect(result.stdout).toMatch(/problem {2}.*\[7400108 DEVICE_DISABLED\]/);
    expect(result.stdout).toMatch(/fix: node native-bindings\/build.mjs/);
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [['--verbose'], ['--device', 'logitech'], ['--virtual']]) {
      const result = await webuvc(['doctor', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
    }
  });
});

// ------------------------------------------------------------------------------------------
// Under umockdev: real libusb (node-usb) enumerating and opening emulated devices.

/**
 * Hand-made descriptors of a device that is not UVC: one vendor-specific interface with two
 * bulk endpoints, the way pre-UVC webcams (driven on Linux by gspca) present themselves. No
 * public dump of such a webcam is in the fixtures; VID:PID is pid.codes' test range.
 */
const VENDOR_DEVICE = {
  name: 'vendor_specific_1209-0002',
  device: Uint8Array.from([18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x09, 0x12, 0x02, 0x00, 0x00, 0x01, 0, 0, 0, 1]),
  config: Uint8Array.from([
    9, 2, 32, 0, 1, 1, 0, 0x80, 50,
    9, 4, 0, 0, 2, 0xff, 0xff, 0xff, 0,
    7, 5, 0x81, 2, 0x00, 0x02, 0,
    7, 5, 0x02, 2, 0x00, 0x02, 0,
  ]),
};

/** Answers nothing: doctor never opens a device that is not a camera. */
const SILENT_DEVICE: EmulatedUsbDevice = {
  open: async () => undefined,
  selectConfiguration: async () => undefined,
  claimInterface: async () => undefined,
  releaseInterface: async () => undefined,
  selectAlternateInterface: async () => undefined,
  controlTransferIn: async () => ({ status: 'stall' }) as USBInTransferResult,
  controlTransferOut: async () => ({ status: 'stall', bytesWritten: 0 }) as USBOutTransferResult,
  transferIn: async () => ({ status: 'stall' }) as USBInTransferResult,
  isochronousTransferIn: async () => ({ packets: [] }) as unknown as USBIsochronousInTransferResult,
};

async function doctorUnderUmockdev(
  devices: Parameters<typeof runWithDevices>[0],
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; report: { ok: boolean; facts: DoctorFacts; findings: Finding[] }; run: string; stderr: string }> {
  const result = await runWithDevices(devices, { program: childProgram('cli.ts'), args: ['doctor', '--json', ...args], env, timeoutMs: 60_000 });
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(`doctor printed no JSON: ${describeRun(result)}`);
  }
  return { code: result.code, report, run: describeRun(result), stderr: result.stderr };
}

describeUmockdev('webuvc doctor against emulated devices (umockdev)', () => {
  it('opens a C270 that a kernel driver holds, sees the driver, and sees a device that is not UVC', async () => {
    const devices = [
      emulated({ camera: camera(CAMERAS.c270), kernelDriver: 'uvcvideo' }),
      emulated({ camera: VENDOR_DEVICE, device: SILENT_DEVICE, deviceAddress: 3 }),
    ];
    const { code, report, run } = await doctorUnderUmockdev(devices, []);
    expect(code, run).toBe(0);
    expect(report.facts.devices).toHaveLength(2);
    const c270Facts = report.facts.devices.find((d) => d.vendorId === 0x046d)!;
    expect(c270Facts).toMatchObject({ video: true, streaming: 'isochronous', open: { ok: true }, descriptors: { ok: true } });
    // The model binds the driver to the video interfaces (0 and 1); libusb sees them held.
    expect(c270Facts.kernelDrivers!.map((d) => d.interface)).toEqual([0, 1]);
    const vendor = report.facts.devices.find((d) => d.vendorId === 0x1209)!;
    expect(vendor).toMatchObject({ video: false, interfaces: [{ number: 0, interfaceClass: 0xff }] });
    expect(vendor.open).toBeUndefined();

    expect(report.findings).toContainEqual(expect.objectContaining({ level: 'ok', check: 'camera', device: '046d:0825' }));
    const note = report.findings.find((f) => f.check === 'kernelDriver')!;
    expect(note).toMatchObject({ level: 'note', device: '046d:0825' });
    expect(note.message).toMatch(/holds interfaces 0, 1; webuvc detaches it/);
  });

  it('says a device asked for by VID:PID is not UVC, and exits 3 with 7400108', async () => {
    const devices = [
      emulated({ camera: camera(CAMERAS.c270) }),
      emulated({ camera: VENDOR_DEVICE, device: SILENT_DEVICE, deviceAddress: 3 }),
    ];
    const { code, report, run, stderr } = await doctorUnderUmockdev(devices, ['--device', '1209:0002']);
    expect(code, run).toBe(3);
    expect(problems(report.findings)).toEqual([
      expect.objectContaining({ check: 'notUvc', device: '1209:0002', code: 7400108, codeName: 'DEVICE_DISABLED' }),
    ]);
    expect(stderr).toMatch(/error 7400108 DEVICE_DISABLED: 1 problem found; the first: 1209:0002 on bus 1 address 3 is not a UVC camera/);
  });

  it('makes the missing binding a problem for the isochronous C270, not for a bulk camera', async () => {
    const env = { WEBUVC_NATIVE_BINDING: MISSING_BINDING };
    const iso = await doctorUnderUmockdev([emulated({ camera: camera(CAMERAS.c270) })], [], env);
    expect(iso.code, iso.run).toBe(3);
    const [problem] = problems(iso.report.findings);
    expect(problem).toMatchObject({ check: 'streaming', device: '046d:0825', code: 7400108 });
    expect(problem!.message).toContain(MISSING_BINDING);

    const bulk = await doctorUnderUmockdev([emulated({ camera: camera(CAMERAS.bulk) })], [], env);
    expect(bulk.code, bulk.run).toBe(0);
    expect(bulk.report.findings).toContainEqual(expect.objectContaining({ level: 'note', check: 'binding' }));
    expect(bulk.report.findings.find((f) => f.check === 'camera')!.message).toMatch(/bulk endpoints/);
  });
});
