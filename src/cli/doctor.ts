/**
 * `webuvc doctor`: why a camera cannot be opened, and what fixes it.
 *
 * It checks, in order: the native streaming binding (isochronous cameras need it), whether
 * the system shows USB at all, whether a camera is attached (or what `--device VID:PID` is
 * if it is not a UVC camera), whether this account may open it (and the udev rule that lets
 * it), whether a kernel driver holds its interfaces, and whether its descriptors parse. Each
 * finding is `ok`, a `note` or a `problem`; a problem carries the 7400xxx code webuvc raises
 * for it. With problems the command exits 3 and names the first.
 *
 * The diagnosis ({@link diagnose}) is a pure function of the facts `doctor-facts.ts` gathers.
 *
 * @packageDocumentation
 */
import { parseArgs } from 'node:util';

import { CameraError, CameraErrorCode, USB_FAILURE_CODES, errorCodeName } from '../errors.js';
import { CAMERA_OPTIONS, asUsage, vidPid } from './args.js';
import { gatherFacts, type DeviceFacts, type DoctorFacts } from './doctor-facts.js';

/** What a finding is about. */
export type DoctorCheck =
  | 'binding'
  | 'usb'
  | 'camera'
  | 'notUvc'
  | 'permission'
  | 'open'
  | 'kernelDriver'
  | 'descriptors'
  | 'streaming';

/** One line of the diagnosis. */
export interface Finding {
  level: 'ok' | 'note' | 'problem';
  check: DoctorCheck;
  /** `046d:0825` when the finding is about one device. */
  device?: string;
  /** The code webuvc raises for this problem. */
  code?: number;
  codeName?: string;
  message: string;
  /** What to do, one step per line (shell commands as they are typed). */
  fix?: string[];
}

/** What `webuvc doctor --json` prints. */
export interface DoctorReport {
  ok: boolean;
  facts: DoctorFacts;
  findings: Finding[];
}

/** USB interface class names (usb.org class codes) for people. */
const INTERFACE_CLASSES: Record<number, string> = {
  0x01: 'audio',
  0x02: 'communications',
  0x03: 'HID (keyboard, mouse, buttons)',
  0x06: 'still image (PTP cameras)',
  0x07: 'printer',
  0x08: 'mass storage',
  0x09: 'hub',
  0x0a: 'CDC data',
  0x0b: 'smart card',
  0x0e: 'video',
  0xe0: 'wireless controller',
  0xef: 'miscellaneous',
  0xfe: 'application specific',
  0xff: 'vendor specific',
};

const VENDOR_SPECIFIC_CLASS = 0xff;
const VIDEO_CLASS = 0x0e;

/** The udev rule file the README proposes. */
const UDEV_RULE_FILE = '/etc/udev/rules.d/70-webuvc.rules';

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, '0');
}

function idOf(device: { vendorId: number; productId: number }): string {
  return `${hex4(device.vendorId)}:${hex4(device.productId)}`;
}

function placeOf(device: DeviceFacts): string {
  return `${idOf(device)} on bus ${device.busNumber} address ${device.deviceAddress}`;
}

function classList(device: DeviceFacts): string {
  const classes = [...new Set(device.interfaces.map((i) => i.interfaceClass))];
  if (classes.length === 0) return `device class 0x${hex2(device.deviceClass)}, no interfaces seen`;
  return classes.map((c) => `0x${hex2(c)} ${INTERFACE_CLASSES[c] ?? 'unknown'}`).join(', ');
}

function codeOf(code: number): { code: number; codeName: string } {
  return { code, codeName: errorCodeName(code) };
}

/** The commands that install a udev rule giving the `video` group this camera. */
export function udevFix(
  device: { vendorId: number; productId: number },
  inVideoGroup: boolean | undefined,
): string[] {
  const rule =
    `SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{idVendor}=="${hex4(device.vendorId)}", ` +
    `ATTR{idProduct}=="${hex4(device.productId)}", MODE="0660", GROUP="video"`;
  const steps = [
    `echo '${rule}' | sudo tee ${UDEV_RULE_FILE}`,
    'sudo udevadm control --reload-rules && sudo udevadm trigger',
  ];
  if (inVideoGroup === false) {
    steps.push(
      'sudo usermod -aG video "$USER"   (then log out and in again: this account is not in group video)',
    );
  }
  return steps;
}

function bindingFindings(facts: DoctorFacts, cameras: DeviceFacts[]): Finding[] {
  const { binding } = facts;
  if (binding.available) {
    const message = `native streaming binding loaded (libusb ${binding.libusbVersion ?? '?'})`;
    return [{ level: 'ok', check: 'binding', message }];
  }
  const reason = binding.reason ?? 'unknown reason';
  const fix = [
    'node native-bindings/build.mjs   (needs a C compiler, python3 and make; it says what is missing)',
  ];
  const isochronous = cameras.filter((camera) => camera.streaming === 'isochronous');
  if (isochronous.length === 0) {
    return [
      {
        level: 'note',
        check: 'binding',
        message:
          `the native streaming binding is unavailable: ${reason}; ` +
          'bulk and emulated cameras work, isochronous cameras are refused',
        fix,
      },
    ];
  }
  return isochronous.map((camera) => ({
    level: 'problem',
    check: 'streaming',
    device: idOf(camera),
    ...codeOf(CameraErrorCode.DEVICE_DISABLED),
    message:
      `${placeOf(camera)} streams over isochronous endpoints, ` +
      `which need webuvc's native binding: ${reason}`,
    fix,
  }));
}

function notUvcFinding(device: DeviceFacts): Finding {
  const vendorSpecific = device.interfaces.some((i) => i.interfaceClass === VENDOR_SPECIFIC_CLASS);
  const video = device.interfaces.some((i) => i.interfaceClass === VIDEO_CLASS);
  const classes = `(its interfaces: ${classList(device)})`;
  const why = video
    ? `it has video-class interfaces but no VideoControl interface ${classes}`
    : `it has no VideoControl interface ${classes}`;
  const hint = vendorSpecific
    ? 'a camera with vendor-specific interfaces speaks its own protocol ' +
      '(Linux drives many such with gspca); webuvc drives UVC cameras only'
    : 'webuvc drives UVC cameras only';
  return {
    level: 'problem',
    check: 'notUvc',
    device: idOf(device),
    ...codeOf(CameraErrorCode.DEVICE_DISABLED),
    message: `${placeOf(device)} is not a UVC camera: ${why}; ${hint}`,
  };
}

function cameraFindings(device: DeviceFacts, facts: DoctorFacts): Finding[] {
  const findings: Finding[] = [];
  const id = idOf(device);
  const place = placeOf(device);
  const permissionProblem = (detail: string): Finding => ({
    level: 'problem',
    check: 'permission',
    device: id,
    ...codeOf(CameraErrorCode.DEVICE_DISABLED),
    message: `${place}: no permission to open ${device.devnode} (${detail})`,
    fix: udevFix(device, facts.inVideoGroup),
  });

  if (device.access === 'denied') {
    findings.push(permissionProblem('this account may not read and write it'));
    return findings;
  }
  if (device.open && !device.open.ok) {
    if (device.open.failure === 'access') {
      findings.push(permissionProblem(`libusb: ${device.open.message}`));
    } else {
      const { code, remedy } = USB_FAILURE_CODES[device.open.failure];
      findings.push({
        level: 'problem',
        check: 'open',
        device: id,
        ...codeOf(code),
        message: `${place} cannot be opened (${device.open.failure}): ${device.open.message}`,
        fix: [remedy],
      });
    }
    return findings;
  }

  const drivers = device.kernelDrivers ?? [];
  if (drivers.length > 0) {
    const names = [...new Set(drivers.map((d) => d.driver ?? 'a kernel driver'))].join(', ');
    const interfaces = drivers.map((d) => d.interface).join(', ');
    const known = device.videoNodes ?? [];
    const nodes = known.length > 0 ? known.join(', ') : '/dev/video*';
    const plural = drivers.length > 1 ? 's' : '';
    findings.push({
      level: 'note',
      check: 'kernelDriver',
      device: id,
      ...codeOf(CameraErrorCode.CONFLICT_CAMERA),
      message:
        `${place}: ${names} holds interface${plural} ${interfaces}; webuvc detaches it ` +
        'while it uses the camera and gives it back on close, but that fails with 7400107 ' +
        `while another program streams from ${nodes}`,
      fix: [`close the programs that use ${nodes} (fuser -v ${known.join(' ') || nodes})`],
    });
  }

  if (device.descriptors && !device.descriptors.ok) {
    findings.push({
      level: 'problem',
      check: 'descriptors',
      device: id,
      ...codeOf(device.descriptors.code),
      message: `${place}: its descriptors cannot be used: ${device.descriptors.message}`,
      fix: [`run "webuvc info --device ${id}" and report its output with "lsusb -v -d ${id}"`],
    });
  }

  if (findings.every((finding) => finding.level !== 'problem')) {
    const how = device.streaming ? `, streams over ${device.streaming} endpoints` : '';
    findings.unshift({ level: 'ok', check: 'camera', device: id, message: `${place} opens${how}` });
  }
  return findings;
}

/** Turn facts into findings, most basic first. */
export function diagnose(facts: DoctorFacts): Finding[] {
  const wanted = facts.wanted;
  const matching = facts.devices.filter(
    (d) => !wanted || (d.vendorId === wanted.vendorId && d.productId === wanted.productId),
  );
  const cameras = matching.filter((d) => d.video);
  const findings: Finding[] = [...bindingFindings(facts, cameras)];

  if (!facts.usb.available) {
    findings.push({
      level: 'problem',
      check: 'usb',
      ...codeOf(CameraErrorCode.DEVICE_DISABLED),
      message:
        'no USB device is visible, so no camera is attached: ' +
        (facts.usb.reason ?? 'unknown reason'),
      fix: [
        'in a container or VM, pass the USB device through; ' +
          '--emulate FILE and --virtual work without one',
      ],
    });
    return findings;
  }

  if (wanted && matching.length === 0) {
    findings.push({
      level: 'problem',
      check: 'camera',
      device: idOf(wanted),
      ...codeOf(CameraErrorCode.DEVICE_DISABLED),
      message: `no USB device ${idOf(wanted)} is attached (${facts.devices.length} USB devices seen)`,
      fix: ['check the cable and "lsusb"; --emulate FILE and --virtual work without a camera'],
    });
    return findings;
  }
  if (wanted) {
    for (const device of matching.filter((d) => !d.video)) findings.push(notUvcFinding(device));
  }

  if (!wanted && cameras.length === 0) {
    const vendorSpecific = facts.devices.filter((d) =>
      d.interfaces.some((i) => i.interfaceClass === VENDOR_SPECIFIC_CLASS),
    );
    const ids = vendorSpecific.map(idOf).join(', ');
    const others =
      vendorSpecific.length > 0
        ? `; ${ids} have vendor-specific interfaces (if one is a camera, it is not UVC)`
        : '';
    findings.push({
      level: 'problem',
      check: 'camera',
      ...codeOf(CameraErrorCode.DEVICE_DISABLED),
      message: `no UVC camera is attached (${facts.devices.length} USB devices seen${others})`,
      fix: ['plug a UVC camera in; --emulate FILE and --virtual work without one'],
    });
  }

  for (const camera of cameras) findings.push(...cameraFindings(camera, facts));
  return findings;
}

const LEVEL_LABEL: Record<Finding['level'], string> = {
  ok: 'ok     ',
  note: 'note   ',
  problem: 'problem',
};

/** The diagnosis for people. */
export function formatReport(report: DoctorReport): string {
  const { facts } = report;
  const lines = [`webuvc doctor: ${facts.platform} ${facts.arch}, Node.js ${facts.node}`];
  for (const finding of report.findings) {
    const coded = finding.code !== undefined && finding.level === 'problem';
    const code = coded ? ` [${finding.code} ${finding.codeName}]` : '';
    lines.push(`  ${LEVEL_LABEL[finding.level]}  ${finding.message}${code}`);
    for (const step of finding.fix ?? []) lines.push(`             fix: ${step}`);
  }
  const problems = report.findings.filter((f) => f.level === 'problem').length;
  const plural = problems > 1 ? 's' : '';
  lines.push(problems === 0 ? 'no problems found' : `${problems} problem${plural} found`);
  return lines.join('\n');
}

/** Run `webuvc doctor`. */
export async function doctorCommand(argv: string[]): Promise<void> {
  const { values } = asUsage(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        json: CAMERA_OPTIONS.json,
        device: CAMERA_OPTIONS.device,
        help: CAMERA_OPTIONS.help,
      },
    }),
  );
  const wanted = vidPid(values.device);
  const facts = await gatherFacts(wanted);
  const findings = diagnose(facts);
  const ok = findings.every((f) => f.level !== 'problem');
  const report: DoctorReport = { ok, facts, findings };

  const text = values.json ? JSON.stringify(report, null, 2) : formatReport(report);
  process.stdout.write(text + '\n');
  const first = findings.find((f) => f.level === 'problem');
  if (first) {
    const count = findings.filter((f) => f.level === 'problem').length;
    throw new CameraError(
      (first.code ?? CameraErrorCode.DEVICE_DISABLED) as CameraErrorCode,
      `${count} problem${count > 1 ? 's' : ''} found; the first: ${first.message}`,
    );
  }
}
