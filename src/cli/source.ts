/**
 * Where a command's camera comes from: `--emulate FILE`, `--virtual`, an attached camera
 * (`--device VID:PID` or the first one found), or the built-in virtual camera when none is attached.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import { loadDescriptorFile, loadEmulatedCamera } from '../usb/emulated-files.js';
import { loadNativeBinding } from '../usb/native.js';
import { NativeStreaming } from '../usb/native-streaming.js';
import { findAttachedCameras } from '../usb/node-usb.js';
import { WebUsbStreaming, type StreamingBackend } from '../usb/streaming.js';
import { createVirtualCamera } from '../usb/virtual-camera.js';
import { UsageError, vidPid } from './args.js';

/** A camera to open, and how it was found (printed for the user). */
export interface CameraSource {
  device: USBDevice;
  /** "emulated from FILE", "built-in virtual camera", "USB 046d:0825 on bus 1 address 4". */
  label: string;
  /** True when no real camera is involved. */
  emulated: boolean;
  /** Who drives the VideoStreaming interfaces (attached cameras: the native binding when built). */
  streaming?: (interfaceNumber: number) => StreamingBackend;
}

/** What the command line asked for. */
export interface SourceOptions {
  emulate?: string | undefined;
  virtual?: boolean | undefined;
  device?: string | undefined;
  /** Use the virtual camera when nothing is attached (capture does; info and list do not). */
  fallBackToVirtual?: boolean;
}

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}

/** Resolve the camera a command works on. */
export async function openSource(options: SourceOptions): Promise<CameraSource> {
  const chosen = [options.emulate !== undefined, options.virtual === true, options.device !== undefined];
  if (chosen.filter(Boolean).length > 1) {
    throw new UsageError('choose one camera source: --emulate FILE, --virtual or --device VID:PID');
  }
  if (options.emulate !== undefined) {
    const device = await loadEmulatedCamera(options.emulate);
    return { device, label: `emulated camera built from ${options.emulate}`, emulated: true };
  }
  if (options.virtual) {
    return { device: await createVirtualCamera(), label: "webuvc's built-in virtual camera", emulated: true };
  }

  const wanted = vidPid(options.device);
  const attached = (await findAttachedCameras()).filter(
    (camera) => !wanted || (camera.vendorId === wanted.vendorId && camera.productId === wanted.productId),
  );
  const camera = attached[0];
  if (camera) {
    const native = loadNativeBinding();
    const target = { busNumber: camera.busNumber, deviceAddress: camera.deviceAddress };
    return {
      device: camera.device,
      streaming:
        'binding' in native
          ? (interfaceNumber) => new NativeStreaming(target, interfaceNumber)
          : (interfaceNumber) =>
              new WebUsbStreaming(
                camera.device,
                interfaceNumber,
                `isochronous streaming needs webuvc's native binding, which is unavailable: ${native.unavailable}`,
              ),
      label:
        `USB camera ${hex4(camera.vendorId)}:${hex4(camera.productId)} ` +
        `on bus ${camera.busNumber} address ${camera.deviceAddress}`,
      emulated: false,
    };
  }
  if (!wanted && options.fallBackToVirtual) {
    return {
      device: await createVirtualCamera(),
      label: "webuvc's built-in virtual camera (no webcam is attached)",
      emulated: true,
    };
  }
  throw new CameraError(CameraErrorCode.DEVICE_DISABLED, 'no UVC camera is attached', {
    expected: options.device ? `a camera ${options.device}` : 'an attached UVC camera',
    found: 'none (use --emulate FILE or --virtual to work without one)',
  });
}

export { loadDescriptorFile };
