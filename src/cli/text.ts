/**
 * A camera's description for people: what `webuvc info` prints without `--json`.
 *
 * @packageDocumentation
 */
import type { CameraInfo, FormatInfo, IntervalsInfo, StreamingInfo } from '../camera/describe.js';

const INTERVAL_UNITS_PER_SECOND = 1e7;

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}

function fps(interval: number): string {
  if (interval <= 0) return '?';
  return String(Number((INTERVAL_UNITS_PER_SECOND / interval).toFixed(2)));
}

function rates(intervals: IntervalsInfo): string {
  if (Array.isArray(intervals)) return intervals.map(fps).join(', ') + ' fps';
  return `${fps(intervals.max)}–${fps(intervals.min)} fps (continuous, step ${intervals.step} × 100 ns)`;
}

function formatLines(format: FormatInfo): string[] {
  const lines = [
    `    format ${format.index}: ${format.pixelFormat} (${format.kind}${format.guid ? `, ${format.guid}` : ''})`,
  ];
  for (const frame of format.frames) {
    const mark = frame.index === format.defaultFrameIndex ? '*' : ' ';
    lines.push(`     ${mark} ${`${frame.width}x${frame.height}`.padEnd(10)} ${rates(frame.intervals)}`);
  }
  if (format.stillFrames.length > 0) {
    lines.push(`      stills: ${format.stillFrames.map((s) => `${s.width}x${s.height}`).join(', ')}`);
  }
  return lines;
}

function streamingLines(vs: StreamingInfo): string[] {
  const lines = [`  VideoStreaming interface ${vs.interfaceNumber}: ${vs.transferType}`];
  if (vs.stillCaptureMethod !== undefined) lines.push(`    still capture method ${vs.stillCaptureMethod}`);
  for (const ep of vs.endpoints) {
    const mult = ep.transactionsPerMicroframe > 1 ? `${ep.transactionsPerMicroframe}×` : '';
    lines.push(
      `    alt ${ep.alternateSetting}: endpoint 0x${ep.address.toString(16)} ${ep.transferType} ` +
        `${mult}${ep.maxPacketSize} B (${ep.bytesPerInterval} B per interval)`,
    );
  }
  for (const format of vs.formats) lines.push(...formatLines(format));
  return lines;
}

/** Multi-line text describing a camera. */
export function formatCameraInfo(info: CameraInfo): string {
  const lines: string[] = [];
  if (info.vendorId !== undefined && info.productId !== undefined) {
    lines.push(`USB ${hex4(info.vendorId)}:${hex4(info.productId)}, USB ${info.usbVersion}`);
  }
  info.functions.forEach((fn, index) => {
    lines.push(
      `camera ${index}: UVC ${fn.uvcVersion}, VideoControl interface ${fn.videoControlInterface}, ` +
        `clock ${fn.clockFrequency} Hz` +
        (fn.statusEndpoint !== undefined ? `, status endpoint 0x${fn.statusEndpoint.toString(16)}` : ''),
    );
    lines.push(`  controls: ${fn.controls.map((c) => c.name).join(', ') || 'none'}`);
    for (const xu of fn.extensionUnits) {
      lines.push(`  extension unit ${xu.unitId}: {${xu.guid}}, ${xu.controls} controls`);
    }
    for (const vs of fn.streaming) lines.push(...streamingLines(vs));
  });
  for (const repair of info.repairs) lines.push(`repaired: ${repair}`);
  return lines.join('\n');
}
