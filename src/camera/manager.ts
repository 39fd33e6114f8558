/**
 * CameraManager (`camera.CameraManager`): the cameras, their output capabilities, and the
 * factory of inputs, outputs and sessions.
 *
 * {@link getCameraManager} is asynchronous (OpenHarmony's is not): finding USB cameras and
 * reading their descriptors are I/O. By default the manager uses the attached cameras (through
 * node-usb); pass `devices` (any W3C `USBDevice`s: emulated cameras, WebUSB devices) or a
 * `source` to use others, which is how tests and machines without a camera use it.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode, stateViolation } from '../errors.js';
import { parseConfiguration } from '../uvc/descriptors.js';
import type { CameraModel } from '../uvc/model.js';
import {
  CameraHandle,
  describeDevice,
  type CameraDevice,
  type CameraHandleOptions,
} from './camera-device.js';
import { CameraStatus, SceneMode, isEnumValue } from './enums.js';
import { Listeners } from './events.js';
import { CameraInput } from './input.js';
import { PhotoOutput, PreviewOutput, VideoOutput } from './outputs.js';
import {
  checkProfile,
  outputCapability,
  type CameraOutputCapability,
  type Profile,
} from './profiles.js';
import { CaptureSession, PhotoSession, VideoSession, type SessionOptions } from './session.js';
import {
  CameraSourceList,
  attachedCameraSource,
  type CameraSource,
  type SourceCamera,
} from './sources.js';
import { readDescriptors, type OpenCameraOptions } from './uvc-camera.js';

/** Options of {@link getCameraManager}. */
export interface CameraManagerOptions {
  /** Use these devices instead of the attached cameras. */
  devices?: Iterable<USBDevice>;
  /** Use this source (it wins over `devices`). */
  source?: CameraSource;
  /**
   * How long a configuration call waits for a camera's configuration lock before it fails with
   * 7400106, in ms (default 10 000; `Infinity` waits for ever).
   */
  lockTimeoutMs?: number;
  /** How long `PhotoOutput.capture` waits for a frame, in ms (default 5 000). */
  captureTimeoutMs?: number;
  /** Keep a transfer pending on each open camera's status endpoint (default true). */
  watchStatus?: boolean;
  /** Options for opening every camera (probe/commit quirks, debug lines). */
  open?: OpenCameraOptions;
}

/** A camera status event (`camera.CameraStatusInfo`). */
export interface CameraStatusInfo {
  /** The camera concerned. */
  camera: CameraDevice;
  /** What happened to it. */
  status: CameraStatus;
}

/** Listener of `cameraStatus`: OpenHarmony's AsyncCallback shape, the error always absent. */
export type CameraStatusCallback = (error: CameraError | undefined, info: CameraStatusInfo) => void;

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
const DEFAULT_CAPTURE_TIMEOUT_MS = 5_000;

/** Read and parse a device's descriptors, opening it for the purpose when needed. */
async function describeCamera(
  device: USBDevice,
): Promise<{ model?: CameraModel; problem?: CameraError }> {
  const openedHere = !device.opened;
  try {
    if (openedHere) await device.open();
    const descriptors = await readDescriptors(device);
    return { model: parseConfiguration(descriptors.configuration, descriptors.device) };
  } catch (error) {
    if (error instanceof CameraError) return { problem: error };
    const message = 'cannot read the camera’s descriptors';
    const problem = new CameraError(CameraErrorCode.DEVICE_DISABLED, message, {
      expected: 'readable descriptors',
      found: error instanceof Error ? error.message : String(error),
      cause: error,
    });
    return { problem };
  } finally {
    if (openedHere && device.opened) await device.close().catch(() => undefined);
  }
}

/**
 * A camera manager over the attached cameras, or over `options.devices` / `options.source`.
 *
 * @throws CameraError from the source when listing fails (for attached cameras: 7400108 when
 *   a device cannot be opened to be identified).
 */
export async function getCameraManager(options: CameraManagerOptions = {}): Promise<CameraManager> {
  const source =
    options.source ??
    (options.devices ? new CameraSourceList(options.devices) : attachedCameraSource());
  const manager = new CameraManager(source, options);
  await manager.refresh();
  return manager;
}

/** The camera manager. Create it with {@link getCameraManager}. */
export class CameraManager {
  readonly #source: CameraSource;
  readonly #handleOptions: CameraHandleOptions;
  readonly #sessionOptions: SessionOptions;
  readonly #cameras = new Map<string, CameraHandle>();
  readonly #events = new Listeners<{ cameraStatus: [CameraError | undefined, CameraStatusInfo] }>();
  readonly #sessions = new Set<CaptureSession>();
  readonly #inputs = new Set<CameraInput>();
  #unwatch: (() => void) | undefined;
  #released = false;

  /** Use {@link getCameraManager}. */
  constructor(source: CameraSource, options: CameraManagerOptions = {}) {
    this.#source = source;
    this.#handleOptions = {
      lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      ...(options.watchStatus === undefined ? {} : { watchStatus: options.watchStatus }),
      ...(options.open ? { open: options.open } : {}),
    };
    this.#sessionOptions = {
      captureTimeoutMs: options.captureTimeoutMs ?? DEFAULT_CAPTURE_TIMEOUT_MS,
    };
  }

  /** List the source's cameras (those already known keep their state) and watch for changes. */
  async refresh(): Promise<void> {
    this.#checkNotReleased('refresh');
    for (const camera of await this.#source.list()) {
      if (!this.#cameras.has(camera.id)) await this.#add(camera, false);
    }
    this.#unwatch ??= this.#source.watch?.({
      attached: (camera) => void this.#add(camera, true),
      removed: (id) => this.#remove(id),
    });
  }

  /** The cameras present (`getSupportedCameras`). */
  getSupportedCameras(): CameraDevice[] {
    this.#checkNotReleased('getSupportedCameras');
    return [...this.#cameras.values()].map((handle) => handle.camera);
  }

  /**
   * What `camera` can output; the same in every scene mode. Cameras whose descriptors could
   * not be read offer nothing.
   *
   * @throws CameraError 7400101 for a camera this manager does not have; 7400102 after `release()`.
   */
  getSupportedOutputCapability(camera: CameraDevice, mode?: SceneMode): CameraOutputCapability {
    this.#checkNotReleased('getSupportedOutputCapability');
    if (mode !== undefined && !isEnumValue(SceneMode, mode)) {
      throw this.#argument('getSupportedOutputCapability', 'a SceneMode', mode);
    }
    return outputCapability(this.#handleOf('getSupportedOutputCapability', camera).model);
  }

  /**
   * An input for `camera` (not opened).
   *
   * @throws CameraError 7400101 unless given a camera of this manager; 7400102 after `release()`.
   */
  createCameraInput(camera: CameraDevice): CameraInput {
    this.#checkNotReleased('createCameraInput');
    const input = new CameraInput(this.#handleOf('createCameraInput', camera));
    this.#inputs.add(input);
    return input;
  }

  /**
   * A preview output for `profile` (the `surfaceId` of OpenHarmony is accepted and ignored:
   * frames come through `frames()` and `stream()`).
   *
   * @throws CameraError 7400101 when `profile` is not a profile; 7400102 after `release()`.
   */
  createPreviewOutput(profile: Profile, surfaceId?: string): PreviewOutput {
    this.#checkNotReleased('createPreviewOutput');
    void surfaceId;
    return new PreviewOutput(checkProfile(profile, 'createPreviewOutput'));
  }

  /**
   * A photo output for `profile`.
   *
   * @throws CameraError 7400101 when `profile` is not a profile; 7400102 after `release()`.
   */
  createPhotoOutput(profile: Profile): PhotoOutput {
    this.#checkNotReleased('createPhotoOutput');
    return new PhotoOutput(checkProfile(profile, 'createPhotoOutput'));
  }

  /**
   * A video output for `profile` (the `surfaceId` is accepted and ignored).
   *
   * @throws CameraError 7400101 when `profile` is not a profile; 7400102 after `release()`.
   */
  createVideoOutput(profile: Profile, surfaceId?: string): VideoOutput {
    this.#checkNotReleased('createVideoOutput');
    void surfaceId;
    return new VideoOutput(checkProfile(profile, 'createVideoOutput'));
  }

  /**
   * A session for a scene mode: NORMAL_PHOTO gives a PhotoSession, NORMAL_VIDEO a VideoSession.
   *
   * @throws CameraError 7400101 for any other mode; 7400102 after `release()`.
   */
  createSession(mode: typeof SceneMode.NORMAL_PHOTO): PhotoSession;
  createSession(mode: typeof SceneMode.NORMAL_VIDEO): VideoSession;
  createSession(mode: SceneMode): CaptureSession;
  createSession(mode: SceneMode): CaptureSession {
    this.#checkNotReleased('createSession');
    let session: CaptureSession;
    if (mode === SceneMode.NORMAL_PHOTO) session = new PhotoSession(this.#sessionOptions);
    else if (mode === SceneMode.NORMAL_VIDEO) session = new VideoSession(this.#sessionOptions);
    else throw this.#argument('createSession', 'SceneMode.NORMAL_PHOTO or NORMAL_VIDEO', mode);
    this.#sessions.add(session);
    return session;
  }

  /** A generic session taking any outputs (OpenHarmony's deprecated `createCaptureSession`). */
  createCaptureSession(): CaptureSession {
    this.#checkNotReleased('createCaptureSession');
    const session = new CaptureSession('legacy', this.#sessionOptions);
    this.#sessions.add(session);
    return session;
  }

  /** Listen for cameras attached (CAMERA_STATUS_APPEAR) and removed (CAMERA_STATUS_DISAPPEAR). */
  on(type: 'cameraStatus', callback: CameraStatusCallback): void {
    this.#checkNotReleased('on');
    if (type !== 'cameraStatus' || typeof callback !== 'function') {
      throw this.#argument('on', "'cameraStatus' and a function", callback);
    }
    this.#events.add('cameraStatus', callback);
  }

  /** Stop listening (every listener when none is given). */
  off(type: 'cameraStatus', callback?: CameraStatusCallback): void {
    if (type === 'cameraStatus') this.#events.remove('cameraStatus', callback);
  }

  /**
   * Release every session and input this manager made and stop watching for cameras. Never
   * fails and may be called any number of times. Afterwards every other call of the manager
   * but `off` throws CameraError 7400102.
   */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#unwatch?.();
    this.#unwatch = undefined;
    for (const session of this.#sessions) await session.release();
    for (const input of this.#inputs) await input.release();
    this.#sessions.clear();
    this.#inputs.clear();
    this.#events.clear();
  }

  async #add(camera: SourceCamera, announce: boolean): Promise<void> {
    const described = await describeCamera(camera.device);
    if (this.#released || this.#cameras.has(camera.id)) return;
    const handle = new CameraHandle(
      describeDevice(camera.device, camera.id),
      camera.device,
      described,
      this.#handleOptions,
    );
    this.#cameras.set(camera.id, handle);
    if (announce) {
      const info = { camera: handle.camera, status: CameraStatus.CAMERA_STATUS_APPEAR };
      this.#events.emit('cameraStatus', undefined, info);
    }
  }

  #remove(id: string): void {
    const handle = this.#cameras.get(id);
    if (!handle) return;
    this.#cameras.delete(id);
    handle.removed = true;
    const message = `camera ${id} was removed`;
    const removed = new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, message, {
      expected: 'the camera attached',
      found: 'removed',
    });
    handle.fail(removed, true);
    const info = { camera: handle.camera, status: CameraStatus.CAMERA_STATUS_DISAPPEAR };
    this.#events.emit('cameraStatus', undefined, info);
  }

  /** Throw 7400102 once the manager is released. */
  #checkNotReleased(what: string): void {
    if (!this.#released) return;
    throw stateViolation('notAllowed', `${what}: the CameraManager was released`, {
      expected: 'a manager that is not released',
      found: 'released',
    });
  }

  #handleOf(what: string, camera: unknown): CameraHandle {
    const id = (camera as Partial<CameraDevice> | null | undefined)?.cameraId;
    const handle = typeof id === 'string' ? this.#cameras.get(id) : undefined;
    if (!handle) throw this.#argument(what, 'a camera of getSupportedCameras()', camera);
    return handle;
  }

  #argument(what: string, expected: string, found: unknown): CameraError {
    return new CameraError(CameraErrorCode.INVALID_ARGUMENT, `${what}: invalid argument`, {
      expected,
      found: found === undefined ? 'nothing' : typeof found === 'number' ? found : typeof found,
    });
  }
}
