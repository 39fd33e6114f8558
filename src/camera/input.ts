/**
 * CameraInput (`camera.CameraInput`): opens and closes one camera for a session, and reports
 * through its `error` listeners when the camera is lost or its stream fails.
 *
 * An input is single-use, as in OpenHarmony: once closed (or lost) it cannot be opened again;
 * create a new one (the camera itself can be opened again at once). Several inputs of one
 * camera share the open camera; it closes when the last of them closes.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode, stateViolation } from '../errors.js';
import type { CameraDevice, CameraHandle, CameraListener } from './camera-device.js';
import type { LockState, LockWaitOptions } from './device-lock.js';
import { Listeners } from './events.js';

/** Where an input is in its life. */
export type InputState = 'created' | 'open' | 'closed' | 'lost';

/** What `diagnostics()` reports: the input and its camera, for tests and troubleshooting. */
export interface InputDiagnostics {
  /** Where the input is in its life. */
  state: InputState;
  /** Inputs that have the camera open, this one included. */
  openInputs: number;
  /** True while the camera streams. */
  streaming: boolean;
  /** The camera's configuration lock. */
  lock: LockState;
}

/** Listener of the `error` event: the camera was lost or its stream failed. */
export type ErrorCallback = (error: CameraError) => void;

/** The session side of closing an input: stop the stream it feeds (the caller holds the lock). */
export interface InputUser {
  inputClosing(input: CameraInput): Promise<void>;
}

const handles = new WeakMap<CameraInput, CameraHandle>();

/** The camera an input belongs to (for the session and output modules). */
export function inputHandle(input: CameraInput): CameraHandle {
  const handle = handles.get(input);
  if (!handle) throw new TypeError('not a CameraInput made by a CameraManager');
  return handle;
}

/** A camera input. Create it with `CameraManager.createCameraInput`. */
export class CameraInput implements CameraListener {
  /** The camera this input opens. */
  readonly camera: CameraDevice;
  readonly #handle: CameraHandle;
  readonly #events = new Listeners<{ error: [CameraError] }>();
  #state: InputState = 'created';
  #lost: CameraError | undefined;

  /** Use `CameraManager.createCameraInput`. */
  constructor(handle: CameraHandle) {
    this.camera = handle.camera;
    this.#handle = handle;
    handles.set(this, handle);
  }

  /** Where the input is in its life. */
  get state(): InputState {
    return this.#state;
  }

  /**
   * Open the camera: claim its VideoControl interface, watch its status endpoint. Waits for
   * the camera's configuration lock in call order.
   *
   * @throws CameraError 7400102 when the input is open already; 7400201 when it was closed or
   *   lost (inputs are single-use, as in OpenHarmony); 7400108 without permission or when the
   *   platform protects the video class;
   *   7400107 when another program holds the camera; 7400106 when the lock wait times out.
   */
  async open(options: LockWaitOptions = {}): Promise<void> {
    this.#checkCanOpen();
    await this.#handle.lock.run(
      this,
      `opening camera ${this.camera.cameraId}`,
      async () => {
        this.#checkCanOpen();
        await this.#handle.attach(this);
        this.#state = 'open';
      },
      options,
    );
  }

  /**
   * Close the camera for this input; a session streaming from it stops. The camera closes when
   * no other input has it open.
   *
   * @throws CameraError 7400201 when the input is not open (closing twice is an error, as in
   *   OpenHarmony); 7400106 when the lock wait times out.
   */
  async close(options: LockWaitOptions = {}): Promise<void> {
    this.#checkOpen('close');
    await this.#handle.lock.run(
      this,
      `closing camera ${this.camera.cameraId}`,
      async () => {
        this.#checkOpen('close');
        this.#state = 'closed';
        await this.#closeNow();
      },
      options,
    );
  }

  /** Close the input if it is open. Never fails and may be called any number of times. */
  async release(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    await this.#handle.lock
      .run(this, `releasing camera ${this.camera.cameraId}`, () => this.#closeNow(), {
        timeoutMs: Infinity,
      })
      .catch(() => undefined);
  }

  /**
   * Listen for errors: the camera was lost (7400201 unplugged, 7400109 taken over) or its stream
   * failed (7400201). OpenHarmony's form `on('error', camera, callback)` is accepted too.
   */
  on(
    type: 'error',
    cameraOrCallback: CameraDevice | ErrorCallback,
    callback?: ErrorCallback,
  ): void {
    const listener = typeof cameraOrCallback === 'function' ? cameraOrCallback : callback;
    if (type !== 'error' || typeof listener !== 'function') {
      const message = 'on() needs an event and a listener';
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
        expected: "'error' and a function",
        found: `${String(type)} and ${typeof listener}`,
      });
    }
    this.#events.add('error', listener);
  }

  /** Stop listening (every `error` listener when none is given). */
  off(type: 'error', callback?: ErrorCallback): void {
    if (type === 'error') this.#events.remove('error', callback);
  }

  /** The input, its camera and the camera's lock, as they are now. */
  diagnostics(): InputDiagnostics {
    return {
      state: this.#state,
      openInputs: this.#handle.openCount,
      streaming: this.#handle.uvc?.stream !== undefined,
      lock: this.#handle.lock.state,
    };
  }

  /**
   * Why this input cannot be used in a session, if it cannot: 7400108 once the application
   * closed it, the loss's error once the camera was lost.
   */
  unusable(): CameraError | undefined {
    if (this.#state === 'closed') {
      return stateViolation('inputClosed', 'the CameraInput is closed', {
        expected: 'an input that is not closed',
        found: 'closed',
      });
    }
    return this.#state === 'lost' ? this.#lost : undefined;
  }

  /** Called by the camera when it is lost or its stream fails. */
  cameraFailed(error: CameraError, lost: boolean): void {
    if (lost && this.#state === 'open') {
      this.#state = 'lost';
      this.#lost = error;
    }
    this.#events.emit('error', error);
  }

  /** Report `error` to the listeners without changing state (a session was preempted). */
  notify(error: CameraError): void {
    this.#events.emit('error', error);
  }

  async #closeNow(): Promise<void> {
    const owner = this.#handle.owner as Partial<InputUser> | undefined;
    await owner?.inputClosing?.(this);
    await this.#handle.detach(this);
  }

  #checkCanOpen(): void {
    if (this.#state === 'created') return;
    if (this.#state === 'open') {
      throw stateViolation('notAllowed', 'open: the CameraInput is open already', {
        expected: 'an input not opened yet',
        found: 'open',
      });
    }
    const message = 'a closed CameraInput cannot be opened again; create a new one';
    throw stateViolation('invalidTransition', message, {
      expected: 'a new input',
      found: this.#state,
    });
  }

  #checkOpen(what: string): void {
    if (this.#state === 'open') return;
    throw stateViolation('invalidTransition', `${what}: the CameraInput is not open`, {
      expected: 'open',
      found: this.#state,
    });
  }
}
