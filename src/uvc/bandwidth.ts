/**
 * Which alternate setting of a VideoStreaming interface carries a negotiated stream
 * (UVC 1.5 §2.4.3 and USB 2.0 §5.6.3).
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import type { AlternateSetting, EndpointInfo, VideoStreamingInterface } from './model.js';

/** An alternate setting and the streaming endpoint it opens. */
export interface StreamingSetting {
  bAlternateSetting: number;
  endpoint: EndpointInfo;
}

/** The streaming endpoint of an alternate setting: the header's endpoint, or the first IN endpoint. */
function streamingEndpoint(vs: VideoStreamingInterface, alt: AlternateSetting): EndpointInfo | undefined {
  const wanted = vs.inputHeader?.bEndpointAddress;
  const inEndpoints = alt.endpoints.filter(
    (ep) => (ep.bEndpointAddress & 0x80) !== 0 && ep.transferType !== 'interrupt',
  );
  return inEndpoints.find((ep) => ep.bEndpointAddress === wanted) ?? inEndpoints[0];
}

/** True when the interface streams over a bulk endpoint (UVC 1.5 §2.4.3: bulk streams live in alt 0). */
export function isBulkStreaming(vs: VideoStreamingInterface): boolean {
  return vs.alternateSettings.some((alt) => streamingEndpoint(vs, alt)?.transferType === 'bulk');
}

/**
 * The settings worth trying for a payload of `dwMaxPayloadTransferSize` bytes per service
 * interval, best first.
 *
 * Bulk: the one setting with the bulk endpoint. Isochronous: every setting whose bandwidth
 * covers the payload, smallest first, so a bus refusing one can fall back to the next larger.
 * A compressed stream asking for more than any setting offers (some cameras request megabytes,
 * see fixtures/bugs.md §5) gets the largest setting, since its real rate is far lower.
 */
export function streamingSettings(
  vs: VideoStreamingInterface,
  dwMaxPayloadTransferSize: number,
  options: { compressed?: boolean } = {},
): StreamingSetting[] {
  const settings: StreamingSetting[] = [];
  for (const alt of vs.alternateSettings) {
    const endpoint = streamingEndpoint(vs, alt);
    if (endpoint) settings.push({ bAlternateSetting: alt.bAlternateSetting, endpoint });
  }

  const bulk = settings.find((s) => s.endpoint.transferType === 'bulk');
  if (bulk) return [bulk];

  const isochronous = settings
    .filter((s) => s.endpoint.transferType === 'isochronous' && s.endpoint.bytesPerInterval > 0)
    .sort((a, b) => a.endpoint.bytesPerInterval - b.endpoint.bytesPerInterval);
  if (isochronous.length === 0) {
    throw new CameraError(
      CameraErrorCode.DEVICE_DISABLED,
      `VideoStreaming interface ${vs.bInterfaceNumber} has no streaming endpoint`,
      { expected: 'an isochronous or bulk IN endpoint', found: 'none' },
    );
  }

  const fitting = isochronous.filter((s) => s.endpoint.bytesPerInterval >= dwMaxPayloadTransferSize);
  if (fitting.length > 0) return fitting;

  const largest = isochronous[isochronous.length - 1]!;
  if (options.compressed) return [largest];
  throw new CameraError(
    CameraErrorCode.CONFLICT_CAMERA,
    `no alternate setting of interface ${vs.bInterfaceNumber} carries the negotiated payload`,
    {
      expected: `${dwMaxPayloadTransferSize} bytes per interval`,
      found: `at most ${largest.endpoint.bytesPerInterval} (alt ${largest.bAlternateSetting})`,
    },
  );
}
