/**
 * Recovering descriptor bytes from UsbTreeView reports, checked against the raw GET_DESCRIPTOR
 * bytes of the same cameras.
 *
 * Note: the raw files of the generic 349c:3307 camera were themselves rebuilt from its
 * UsbTreeView hex dump (its source C array is one byte short, see INDEX.tsv), so for that
 * camera the comparison only shows that the dump is read back the same way.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { CameraError, CameraErrorCode } from '../src/errors.js';
import { parseConfiguration } from '../src/uvc/descriptors.js';
import { parseUsbTreeViewReport } from '../src/uvc/usbtreeview.js';
import { fixturesDir, rawDescriptorsDir } from './fixtures.js';

const descriptorsDir = join(fixturesDir, 'descriptors');
const reports = readdirSync(descriptorsDir)
  .filter((file) => file.endsWith('.usbtreeview.txt'))
  .map((file) => file.replace(/\.usbtreeview\.txt$/, ''))
  .filter((name) => existsSync(join(rawDescriptorsDir, `${name}.config.bin`)))
  .sort();

function report(name: string): string {
  return readFileSync(join(descriptorsDir, `${name}.usbtreeview.txt`), 'utf8');
}

function raw(name: string, suffix: string): Uint8Array | undefined {
  const path = join(rawDescriptorsDir, `${name}${suffix}`);
  return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
}

/** The report with only the first line of the hex dump of each section named `section` kept. */
function withoutDumpContinuations(text: string, section: RegExp): string {
  const kept: string[] = [];
  let inSection = false;
  let inDump = false;
  for (const line of text.split('\n')) {
    if (/^\s*-{3,}.*-{3,}\s*$/.test(line)) inSection = section.test(line);
    if (inDump && /^\s{20,}[0-9A-F]{2} /.test(line)) continue;
    inDump = inSection && line.startsWith('Data (HexDump)');
    kept.push(line);
  }
  return kept.join('\n');
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

describe('parseUsbTreeViewReport', () => {
  it('finds the seven cameras with a report and raw bytes', () => {
    expect(reports).toHaveLength(7);
  });

  it.each(reports)('%s: device, configuration, other-speed bytes equal the raw files', (name) => {
    const recovered = parseUsbTreeViewReport(report(name));
    expect(recovered.configuration).toEqual(raw(name, '.config.bin'));
    expect(recovered.device).toEqual(raw(name, '.device.bin'));
    expect(recovered.otherSpeedConfiguration).toEqual(raw(name, '.other_speed_config.bin'));
  });

  it.each(reports)('%s: rebuilds a configuration from the nested dumps', (name) => {
    const text = withoutDumpContinuations(report(name), /(Other Speed )?Configuration Descriptor/);
    expect(text.length).toBeLessThan(report(name).length);
    const recovered = parseUsbTreeViewReport(text);
    expect(recovered.configuration).toEqual(raw(name, '.config.bin'));
    expect(recovered.otherSpeedConfiguration).toEqual(raw(name, '.other_speed_config.bin'));
  });

  it('reads reports with Windows line endings', () => {
    const name = reports[0] ?? '';
    const crlf = report(name).replace(/\n/g, '\r\n');
    expect(parseUsbTreeViewReport(crlf).configuration).toEqual(raw(name, '.config.bin'));
  });

  it('recovered bytes parse into the same camera model as the raw bytes', () => {
    for (const name of reports) {
      const recovered = parseUsbTreeViewReport(report(name));
      expect(parseConfiguration(recovered.configuration, recovered.device), name).toEqual(
        parseConfiguration(raw(name, '.config.bin') ?? new Uint8Array(), raw(name, '.device.bin')),
      );
    }
  });

  it('rejects text that is not a UsbTreeView report with INVALID_ARGUMENT', () => {
    const lsusb = readFileSync(join(descriptorsDir, 'logitech_c920_046d-082d.lsusb.txt'), 'utf8');
    const bugs = readFileSync(join(fixturesDir, 'bugs.md'), 'utf8');
    // Long lines of dashes must not make the heading pattern backtrack for long.
    const dashes = ['-'.repeat(200_000), '---- a '.repeat(30_000), `${'-'.repeat(300)} x`];
    for (const text of ['', 'hello', lsusb, bugs, ...dashes]) {
      const error = catchError(() => parseUsbTreeViewReport(text));
      expect(error.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
      const message = /not a UsbTreeView report; expected .*Configuration Descriptor.*HexDump/;
      expect(error.message).toMatch(message);
    }
    const notText = catchError(() => parseUsbTreeViewReport(42 as unknown as string));
    expect(notText.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
  });

  it('rejects a report whose dumps do not add up to wTotalLength', () => {
    const name = 'trust_webcam_sonix_0c45-6340';
    const short = withoutDumpContinuations(report(name), /Configuration Descriptor/);
    // Drop the hex dump of the first nested IAD section as well.
    const broken = short.replace(/Data \(HexDump\)\s*: 08 0B 00 02 0E 03 00 05[^\n]*\n/, '');
    expect(broken).not.toBe(short);
    const error = catchError(() => parseUsbTreeViewReport(broken));
    expect(error.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
    const message = 'Configuration Descriptor of the UsbTreeView report is incomplete';
    expect(error.message).toContain(`${message}; expected wTotalLength 701 bytes`);
  });

  it('rejects a configuration hex dump that is not a configuration descriptor', () => {
    const field = 'Data (HexDump)           : ';
    const original = report('trust_webcam_sonix_0c45-6340');
    const text = original.replace(`${field}09 02 BD 02`, `${field}09 05 BD 02`);
    expect(text).not.toBe(original);
    const error = catchError(() => parseUsbTreeViewReport(text));
    expect(error.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
    expect(error.message).toMatch(/found \d+ bytes, bDescriptorType 0x05/);
  });
});
