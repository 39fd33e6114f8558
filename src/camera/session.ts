/**
 * CaptureSession (`camera.CaptureSession`, `PhotoSession`, `VideoSession`): one input, outputs
 * that share its stream, and OpenHarmony's state machine with its error codes:
 *
 * ```
 * init ──beginConfig──▶ configuring ──commitConfig──▶ committed ──start──▶ started
 *                        ▲    ▲                          │  ▲               │
 *                        │    └──────beginConfig─────────┘  └─────stop──────┘
 *                        └───────────────beginConfig (stops the stream)─────┘
 * any state ──release──▶ released
 * ```
 *
 * The configuration window (beginConfig … commitConfig) is an async-mutex Mutex of the session:
 * a second beginConfig while it is held is 7400105. Everything that touches the camera —
 * commit, start, stop, release, frame-rate changes — waits for the camera's configuration lock
 * in call order; device settings do not wait and get 7400106 while another holder has it.
 *
 * A camera streams for one session at a time. A session that commits with a camera another
 * session of this process holds takes it over: the older session is released and its input's
 * error listeners get 7400109 (the newest session wins, as in OpenHarmony).
 *
 * @packageDocumentation
 */
import { Mutex } from 'async-mutex';

import { CameraError, CameraErrorCode, fromLostCamera, stateViolation } from '../errors.js';
import type { Frame } from '../stream/frame.js';
import type { CameraHandle, StreamOwner } from './camera-device.js';
import type { LockLease, LockWaitOptions } from './device-lock.js';
import { SharedFrame, type FrameLayout } from './frame-channel.js';
import { checkFrameRate, chooseStreamRate, decimation, describeRange } from './frame-rate.js';
import { CameraInput, inputHandle } from './input.js';
import {
  CameraOutput,
  outputInternals,
  type OutputKind,
  type OutputSession,
} from './outputs.js';
import {
  describeProfile,
  frameRates,
  locateProfile,
  rateOfInterval,
  sameStream,
  supportedFrameRates,
  type FrameRateRange,
  type ProfileLocation,
} from './profiles.js';
import { SessionControls, invalidArgument, notCommitted } from './session-controls.js';
import type { ActiveStream, UvcCamera } from './uvc-camera.js';

/** Where a session is in its life. */
export type SessionState = 'init' | 'configuring' | 'committed' | 'started' | 'released';

/** Which session `createSession` made: photo, video, or the deprecated generic one. */
export type SessionKind = 'photo' | 'video' | 'legacy';

/** Options every session of a manager shares. */
export interface SessionOptions {
  /** How long `capture()` waits for a frame, in ms. */
  captureTimeoutMs: number;
}

/** The outputs each kind of session takes. */
const ALLOWED_OUTPUTS: Record<SessionKind, readonly OutputKind[]> = {
  photo: ['preview', 'photo'],
  video: ['preview', 'video', 'photo'],
  legacy: ['preview', 'video', 'photo'],
};

/** One streaming run: frames of a stopped run are dropped. */
interface Run {
  layout: FrameLayout;
  frames: number;
  rate: number;
}

/**
 * A capture session. Create it with `CameraManager.createSession` or `createCaptureSession`.
 * Its device settings (exposure, focus, zoom, white balance) are those of
 * {@link SessionControls}, on the camera it committed.
 */
export class CaptureSession extends SessionControls implements StreamOwner {
  /** Which kind of session this is. */
  readonly kind: SessionKind;
  readonly #options: SessionOptions;
  /** The configuration window: held from beginConfig until commitConfig or release. */
  readonly #configuration = new Mutex();
  readonly #outputs: CameraOutput[] = [];
  #state: SessionState = 'init';
  #input: CameraInput | undefined;
  /** The camera whose stream this session owns (set at commit). */
  #owned: CameraHandle | undefined;
  #stream: ActiveStream | undefined;
  #run: Run | undefined;
  /** The lease of lockForControl, and its acquisition while it waits. */
  #controlLease: LockLease | undefined;
  #controlWait: Promise<LockLease> | undefined;
  /** A stop queued by beginConfig on a running session. */
  #pendingStop: Promise<void> = Promise.resolve();

  /** Use `CameraManager.createSession`. */
  constructor(kind: SessionKind, options: SessionOptions) {
    super();
    this.kind = kind;
    this.#options = options;
  }

  /** Where the session is in its life. */
  get state(): SessionState {
    return this.#state;
  }

  /** The session's input, if any. */
  get input(): CameraInput | undefined {
    return this.#input;
  }

  /** The session's outputs. */
  get outputs(): readonly CameraOutput[] {
    return [...this.#outputs];
  }

  // --------------------------------------------------------------------------------------
  // Configuration.

  /**
   * Open the configuration. On a running session the stream stops (commit and start again to
   * resume).
   *
   * @throws CameraError 7400105 while a configuration is open; 7400201 after release.
   */
  beginConfig(): void {
    this.#checkNotReleased('beginConfig');
    if (this.#configuration.isLocked()) {
      throw stateViolation('configLocked', 'beginConfig: a configuration is open already', {
        expected: 'no open configuration',
        found: 'configuring',
      });
    }
    // async-mutex takes a free lock synchronously inside acquire().
    void this.#configuration.acquire();
    const wasRunning = this.#state === 'started';
    this.#state = 'configuring';
    const handle = this.#owned;
    if (wasRunning && handle) {
      this.#pendingStop = handle.lock
        .run(this, 'beginConfig: stopping the stream', () => this.#stopStream(), {
          timeoutMs: Infinity,
        })
        .catch(() => undefined);
    }
  }

  /**
   * Add the input.
   *
   * @throws CameraError 7400101 unless given one CameraInput; 7400102 outside beginConfig …
   *   commitConfig; 7400108 for a closed input; 7400201 when the session has an input, this
   *   one included (conformance case SF-003).
   */
  addInput(input: CameraInput): void {
    this.#checkInputArgument('addInput', input, arguments.length);
    this.#checkConfiguring('addInput');
    const unusable = input.unusable();
    if (unusable) throw unusable;
    if (this.#input) {
      throw stateViolation('invalidTransition', 'addInput: a session takes one input', {
        expected: 'a session without input',
        found: this.#input === input ? 'this input added already' : 'another input',
      });
    }
    this.#input = input;
  }

  /**
   * Remove the input.
   *
   * @throws CameraError 7400101 unless given one CameraInput; 7400102 outside beginConfig …
   *   commitConfig; 7400201 when it is not the session's input.
   */
  removeInput(input: CameraInput): void {
    this.#checkInputArgument('removeInput', input, arguments.length);
    this.#checkConfiguring('removeInput');
    if (this.#input !== input) {
      throw stateViolation('invalidTransition', 'removeInput: not the session’s input', {
        expected: 'the input added to this session',
        found: this.#input ? 'another input' : 'no input in the session',
      });
    }
    this.#input = undefined;
  }

  /**
   * Add an output.
   *
   * @throws CameraError 7400101 unless given one output, for an output this kind of session
   *   does not take or a profile the input's camera does not offer; 7400102 outside
   *   beginConfig … commitConfig, when another session has the output or when it is in this
   *   session already; 7400201 without an input (conformance case SF-001) or for a released
   *   output.
   */
  addOutput(output: CameraOutput): void {
    this.#checkOutputArgument('addOutput', output, arguments.length);
    this.#checkConfiguring('addOutput');
    const state = output[outputInternals];
    if (!this.#input) {
      throw stateViolation('invalidTransition', 'addOutput: add the input first', {
        expected: 'a session with an input',
        found: 'no input',
      });
    }
    if (state.released) {
      throw stateViolation('invalidTransition', 'addOutput: the output was released', {
        expected: 'an output that is not released',
        found: 'released',
      });
    }
    if (this.#outputs.includes(output)) {
      throw stateViolation('notAllowed', 'addOutput: the output is in this session already', {
        expected: 'an output not in this session',
        found: 'in this session',
      });
    }
    if (state.session) {
      throw stateViolation('notConfiguring', 'addOutput: the output belongs to another session', {
        expected: 'an output of no session',
        found: 'an output of another session',
      });
    }
    this.#checkOutputFits('addOutput', output);
    this.#outputs.push(output);
    state.attached(this.#outputSide);
  }

  /**
   * Remove an output.
   *
   * @throws CameraError 7400101 unless given one output; 7400102 outside beginConfig …
   *   commitConfig; 7400201 when the output is not in the session.
   */
  removeOutput(output: CameraOutput): void {
    this.#checkOutputArgument('removeOutput', output, arguments.length);
    this.#checkConfiguring('removeOutput');
    const index = this.#outputs.indexOf(output);
    if (index < 0) {
      throw stateViolation('invalidTransition', 'removeOutput: not an output of this session', {
        expected: 'an output added to this session',
        found: 'another output',
      });
    }
    this.#outputs.splice(index, 1);
    output[outputInternals].detached();
  }

  /** True when `input` could be added now: configuring, no input yet, input not closed. */
  canAddInput(input: CameraInput): boolean {
    return (
      input instanceof CameraInput &&
      this.#state === 'configuring' &&
      this.#input === undefined &&
      input.unusable() === undefined
    );
  }

  /** True when `output` could be added now (never throws). */
  canAddOutput(output: CameraOutput): boolean {
    if (!(output instanceof CameraOutput) || this.#state !== 'configuring' || !this.#input) {
      return false;
    }
    const state = output[outputInternals];
    if (state.released || state.session || this.#outputs.includes(output)) return false;
    try {
      this.#checkOutputFits('canAddOutput', output);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Commit the configuration: check that one stream can serve the outputs and take the camera
   * (a session of this process that held it is released, its input told 7400109). Waits for the
   * camera's configuration lock in call order.
   *
   * @throws CameraError 7400102 without beginConfig or when the input was never opened;
   *   7400201 without input or outputs, or when released meanwhile; 7400108 for a closed input;
   *   7400110 when the outputs need different formats, sizes or unreachable frame rates;
   *   7400106 / 7400102 when the lock wait times out / is cancelled.
   */
  async commitConfig(options: LockWaitOptions = {}): Promise<void> {
    const { input, handle } = this.#checkCommittable();
    await handle.lock.run(
      this,
      'commitConfig',
      async () => {
        await this.#pendingStop;
        if (this.#checkCommittable().input !== input) {
          throw stateViolation('notConfiguring', 'commitConfig: the input changed meanwhile', {
            expected: 'the input the commit started with',
            found: 'another input',
          });
        }

        // The settings' snapshot first: a camera that fails it changes no owner.
        await this.loadSettings(this.#openCamera(handle, 'commitConfig'));

        const previous = handle.owner;
        if (previous && previous !== this) {
          const message = `another session took camera ${handle.camera.cameraId} over`;
          await previous.preempt(
            stateViolation('preempted', message, {
              expected: 'the camera for this session',
              found: 'a newer session committed with it',
            }),
          );
        }
        if (this.#owned && this.#owned !== handle && this.#owned.owner === this) {
          this.#owned.owner = undefined;
        }
        handle.owner = this;
        this.#owned = handle;
        this.#state = 'committed';
        this.#configuration.release();
      },
      options,
    );
  }

  // --------------------------------------------------------------------------------------
  // Streaming.

  /**
   * Start streaming to the outputs. Waits for the camera's configuration lock in call order.
   *
   * @throws CameraError 7400103 before commitConfig; 7400201 when started already (conformance
   *   case SF-006), after
   *   release or when the camera fails; 7400109 when another session took the camera; the
   *   input's error when it was closed or lost; 7400107 when the bus has no bandwidth left;
   *   7400110 when the outputs' frame rates cannot be reached.
   */
  async start(options: LockWaitOptions = {}): Promise<void> {
    this.#checkStartable();
    const handle = this.#owned!;
    await handle.lock.run(
      this,
      'start',
      async () => {
        this.#checkStartable();
        await this.#startStream(handle);
        this.#state = 'started';
      },
      options,
    );
  }

  /**
   * Stop streaming. During an open configuration there is nothing to stop and the call
   * succeeds (OpenHarmony accepts it too).
   *
   * @throws CameraError 7400201 when the session does not stream: never started or stopping
   *   twice (conformance cases SF-007, SF-008).
   */
  async stop(options: LockWaitOptions = {}): Promise<void> {
    if (this.#state === 'configuring') return;
    this.#checkStarted('stop');
    await this.#owned!.lock.run(
      this,
      'stop',
      async () => {
        this.#checkStarted('stop');
        this.#state = 'committed';
        await this.#stopStream();
      },
      options,
    );
  }

  /**
   * Release the session: stop streaming, let go of the camera, detach the outputs (they can
   * join another session) and the input (it stays open). Never fails and may be called any
   * number of times; it waits for the camera's configuration lock without a time limit.
   */
  async release(): Promise<void> {
    if (this.#state === 'released') return;
    this.#state = 'released';
    if (this.#configuration.isLocked()) this.#configuration.release();
    this.unlockForControl();
    this.unloadSettings();

    const handle = this.#owned;
    if (handle) {
      await handle.lock
        .run(this, 'release', () => this.#letGo(handle), { timeoutMs: Infinity })
        .catch(() => undefined);
    }
    this.#detachAll();
  }

  // --------------------------------------------------------------------------------------
  // Device settings.

  /**
   * Hold the camera's configuration lock for this session's settings until
   * {@link CaptureSession.unlockForControl}; waits in call order. Meanwhile the settings of
   * other holders get 7400106, and configurations of other sessions wait.
   *
   * @throws CameraError 7400103 before commitConfig; 7400106 / 7400102 when the wait times
   *   out / is cancelled.
   */
  async lockForControl(options: LockWaitOptions = {}): Promise<void> {
    const handle = this.#committedHandle('lockForControl');
    if (!handle) throw notCommitted('lockForControl', this.#state);
    if (this.#controlLease) return;
    let wait = this.#controlWait;
    if (!wait) {
      // Concurrent calls share one acquisition (and its wait options).
      const acquisition = handle.lock.acquire(this, 'lockForControl', 'control', options);
      this.#controlWait = acquisition;
      acquisition.then(
        (lease) => {
          const wanted = this.#controlWait === acquisition && this.#state !== 'released';
          if (this.#controlWait === acquisition) this.#controlWait = undefined;
          if (wanted) this.#controlLease = lease;
          else lease.release();
        },
        () => {
          if (this.#controlWait === acquisition) this.#controlWait = undefined;
        },
      );
      wait = acquisition;
    }
    await wait;
  }

  /** Let go of the lock taken by {@link CaptureSession.lockForControl} (no-op without one). */
  unlockForControl(): void {
    this.#controlWait = undefined;
    this.#controlLease?.release();
    this.#controlLease = undefined;
  }

  // --------------------------------------------------------------------------------------
  // The camera's side (StreamOwner) and the outputs' side.

  /** The camera failed: outputs fail, the stream is gone (and stopped unless the camera is). */
  cameraFailed(error: CameraError, lost: boolean): void {
    const stream = this.#stream;
    this.#run = undefined;
    this.#stream = undefined;
    if (this.#state === 'started') this.#state = 'committed';
    for (const output of this.#outputs) output[outputInternals].fail(error);
    // A lost camera is closed under the lock: a control lease must not keep it open.
    if (lost) this.unlockForControl();
    const handle = this.#owned;
    if (lost || !stream || !handle) return;
    void handle.lock
      .run(this, 'stopping the failed stream', () => stream.stop(), { timeoutMs: Infinity })
      .catch(() => undefined);
  }

  /** Another session takes the camera: release this one (the caller holds the lock). */
  async preempt(error: CameraError): Promise<void> {
    const input = this.#input;
    this.#state = 'released';
    if (this.#configuration.isLocked()) this.#configuration.release();
    this.unlockForControl();
    this.unloadSettings();
    if (this.#owned) await this.#letGo(this.#owned);
    this.#detachAll();
    input?.notify(error);
  }

  /** The input closes: stop the stream it feeds (the caller holds the lock). */
  async inputClosing(input: CameraInput): Promise<void> {
    if (input !== this.#input) return;
    if (this.#state === 'started') this.#state = 'committed';
    await this.#stopStream();
  }

  /** What outputs see of this session. */
  readonly #outputSide: OutputSession = this.#makeOutputSide();

  #makeOutputSide(): OutputSession {
    const session = this;
    return {
      get committed(): boolean {
        return session.#state === 'committed' || session.#state === 'started';
      },
      get running(): boolean {
        return session.#state === 'started';
      },
      get cameraHandle(): CameraHandle | undefined {
        return session.#input ? inputHandle(session.#input) : undefined;
      },
      get captureTimeoutMs(): number {
        return session.#options.captureTimeoutMs;
      },
      checkFrameRate: (output, request, what) => this.#checkFrameRate(output, request, what),
      applyFrameRate: (output, previous, what) => this.#applyFrameRate(output, previous, what),
      detachOutput: (output) => this.#detachOutput(output),
    };
  }

  // --------------------------------------------------------------------------------------
  // Internals.

  #checkNotReleased(what: string): void {
    if (this.#state !== 'released') return;
    throw stateViolation('invalidTransition', `${what}: the session was released`, {
      expected: 'a session that is not released',
      found: 'released',
    });
  }

  #checkConfiguring(what: string): void {
    if (this.#state === 'configuring') return;
    if (this.#state === 'released') this.#checkNotReleased(what);
    throw stateViolation('notConfiguring', `${what} outside beginConfig … commitConfig`, {
      expected: 'configuring',
      found: this.#state,
    });
  }

  #checkInputArgument(what: string, input: unknown, count: number): void {
    if (count !== 1 || !(input instanceof CameraInput)) {
      throw invalidArgument(what, 'one CameraInput', count === 0 ? undefined : input);
    }
  }

  #checkOutputArgument(what: string, output: unknown, count: number): void {
    if (count !== 1 || !(output instanceof CameraOutput)) {
      throw invalidArgument(what, 'one camera output', count === 0 ? undefined : output);
    }
  }

  /** The output's kind fits this session and its profile is one the camera offers. */
  #checkOutputFits(what: string, output: CameraOutput): ProfileLocation {
    const kind = output[outputInternals].kind;
    if (!ALLOWED_OUTPUTS[this.kind].includes(kind)) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `${what}: wrong kind of output`, {
        expected: `one of ${ALLOWED_OUTPUTS[this.kind].join(', ')} for a ${this.kind} session`,
        found: kind,
      });
    }
    const handle = inputHandle(this.#input!);
    const location = locateProfile(handle.model, output.profile);
    if (!location) {
      const message = `${what}: camera ${handle.camera.cameraId} offers no such profile`;
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
        expected: 'a profile of getSupportedOutputCapability(camera)',
        found: describeProfile(output.profile),
      });
    }
    return location;
  }

  /** The checks of commitConfig before it waits; returns the input and its camera. */
  #checkCommittable(): { input: CameraInput; handle: CameraHandle } {
    this.#checkNotReleased('commitConfig');
    if (this.#state !== 'configuring') {
      throw stateViolation('notConfiguring', 'commitConfig without beginConfig', {
        expected: 'configuring',
        found: this.#state,
      });
    }
    const input = this.#input;
    if (!input || this.#outputs.length === 0) {
      throw stateViolation('invalidTransition', 'commitConfig: nothing to stream', {
        expected: 'one input and at least one output',
        found: input ? 'no outputs' : 'no input',
      });
    }
    const unusable = input.unusable();
    if (unusable) throw unusable;
    if (input.state !== 'open') {
      throw stateViolation('notConfiguring', 'commitConfig: the input is not open', {
        expected: 'an opened input',
        found: input.state,
      });
    }

    const handle = inputHandle(input);
    const first = this.#outputs[0]!;
    const mismatched = this.#outputs.filter((output) => !sameStream(output.profile, first.profile));
    if (mismatched.length > 0) {
      throw stateViolation('rateConflict', 'commitConfig: one stream cannot serve every output', {
        expected: `every output in ${describeProfile(first.profile)}`,
        found: mismatched.map((output) => describeProfile(output.profile)),
      });
    }
    this.#streamRate(handle);
    return { input, handle };
  }

  /**
   * The stream's rate from the outputs' set rates: `null` for the camera's default.
   *
   * @throws CameraError 7400110 when no rate the camera offers serves them all.
   */
  #streamRate(handle: CameraHandle): { location: ProfileLocation; rate: number | null } {
    const first = this.#outputs[0]!;
    const location = locateProfile(handle.model, first.profile);
    if (!location) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'the camera offers no such profile', {
        expected: 'a profile of getSupportedOutputCapability(camera)',
        found: describeProfile(first.profile),
      });
    }
    const constraints = this.#outputs.map((output) => output[outputInternals].rate);
    const continuous = location.frame.intervals.kind === 'continuous';
    const rate = chooseStreamRate(frameRates(location.frame), constraints, continuous);
    if (rate === undefined) {
      throw stateViolation('rateConflict', 'no frame rate serves every output', {
        expected: `one of ${frameRates(location.frame).join(', ')} fps serving all`,
        found: constraints.map(describeRange),
      });
    }
    return { location, rate };
  }

  #checkStartable(): void {
    this.#checkNotReleased('start');
    if (this.#state === 'init' || this.#state === 'configuring') {
      throw stateViolation('notCommitted', 'start before commitConfig', {
        expected: 'committed',
        found: this.#state,
      });
    }
    if (this.#state === 'started') {
      throw stateViolation('invalidTransition', 'start: the session runs already', {
        expected: 'committed',
        found: 'started',
      });
    }
    const unusable = this.#input?.unusable();
    if (unusable) throw unusable;
    const handle = this.#owned;
    if (!handle || handle.owner !== this) {
      throw stateViolation('preempted', 'start: another session took the camera over', {
        expected: 'the camera committed for this session',
        found: 'another session holds it',
      });
    }
  }

  #checkStarted(what: string): void {
    if (this.#state === 'started') return;
    throw stateViolation('invalidTransition', `${what}: the session is not running`, {
      expected: 'started',
      found: this.#state,
    });
  }

  /** Negotiate and start the stream (the caller holds the lock). */
  async #startStream(handle: CameraHandle): Promise<void> {
    const uvc = this.#openCamera(handle, 'start');
    const { location, rate } = this.#streamRate(handle);
    const { streaming, format, frame } = location;
    const run: Run = {
      layout: { pixelFormat: format.pixelFormat, width: frame.wWidth, height: frame.wHeight },
      frames: 0,
      rate: 0,
    };
    this.#run = run;
    let stream: ActiveStream;
    try {
      stream = await uvc.startStream(
        {
          interfaceNumber: streaming.bInterfaceNumber,
          pixelFormat: format.pixelFormat,
          width: frame.wWidth,
          height: frame.wHeight,
          ...(rate === null ? {} : { fps: rate }),
        },
        (delivered) => this.#onFrame(run, delivered),
        { onError: (error) => handle.fail(fromLostCamera(error, 'streaming')) },
      );
    } catch (error) {
      if (this.#run === run) this.#run = undefined;
      throw handle.lost ?? error;
    }
    run.rate = rateOfInterval(stream.choice.dwFrameInterval);
    for (const output of this.#outputs) {
      output[outputInternals].every = decimation(run.rate, output[outputInternals].rate);
    }
    this.#stream = stream;
  }

  #onFrame(run: Run, frame: Frame): void {
    if (this.#run !== run) {
      frame.release();
      return;
    }
    const index = run.frames;
    run.frames += 1;
    const shared = new SharedFrame(frame, run.layout);
    for (const output of this.#outputs) {
      const state = output[outputInternals];
      if (state.wantsFrames() && index % state.every === 0) state.deliver(shared);
    }
    shared.drop();
  }

  /**
   * Stop the stream, if any (the caller holds the lock). Outputs see the run end unless the
   * stream is about to restart (a frame-rate change).
   */
  async #stopStream(endRun = true): Promise<void> {
    const stream = this.#stream;
    this.#run = undefined;
    this.#stream = undefined;
    if (endRun) for (const output of this.#outputs) output[outputInternals].endRun();
    await stream?.stop();
  }

  #checkFrameRate(output: CameraOutput, request: FrameRateRange, what: string): void {
    const handle = this.#input ? inputHandle(this.#input) : undefined;
    const location = locateProfile(handle?.model, output.profile);
    checkFrameRate({
      request,
      active: output[outputInternals].rate,
      others: this.#outputs.filter((o) => o !== output).map((o) => o[outputInternals].rate),
      supported: location ? supportedFrameRates(location.frame) : [],
      what,
    });
  }

  /**
   * Apply an output's new rate: a running stream restarts at the rate every output accepts
   * (its readers go on); a stopped session uses it at the next start. On failure the output's
   * rate goes back to `previous` and a restarting stream stays stopped.
   */
  async #applyFrameRate(
    output: CameraOutput,
    previous: FrameRateRange,
    what: string,
  ): Promise<void> {
    const requested = output[outputInternals].rate;
    const handle = this.#owned;
    if (!handle) return;
    try {
      await handle.lock.run(this, what, async () => {
        if (this.#state !== 'started') return;
        await this.#stopStream(false);
        try {
          await this.#startStream(handle);
        } catch (error) {
          this.#state = 'committed';
          for (const o of this.#outputs) o[outputInternals].endRun();
          throw error;
        }
      });
    } catch (error) {
      if (output[outputInternals].rate === requested) output[outputInternals].rate = previous;
      throw error;
    }
  }

  /** An output released itself. */
  #detachOutput(output: CameraOutput): void {
    const index = this.#outputs.indexOf(output);
    if (index >= 0) this.#outputs.splice(index, 1);
    output[outputInternals].detached();
  }

  /** Stop streaming and give the camera up (the caller holds the lock). */
  async #letGo(handle: CameraHandle): Promise<void> {
    await this.#stopStream();
    if (handle.owner === this) handle.owner = undefined;
    this.#owned = undefined;
  }

  #detachAll(): void {
    for (const output of this.#outputs.splice(0)) output[outputInternals].detached();
    this.#input = undefined;
  }

  /** The open camera of `handle` (the caller holds the lock). */
  #openCamera(handle: CameraHandle, what: string): UvcCamera {
    const uvc = handle.uvc;
    if (uvc) return uvc;
    throw handle.lost ?? stateViolation('inputClosed', `${what}: the camera is closed`, {
      expected: 'an open camera',
      found: 'closed',
    });
  }

  /** The camera of a committed session; undefined before commitConfig. */
  #committedHandle(what: string): CameraHandle | undefined {
    const committed = this.#state === 'committed' || this.#state === 'started';
    const handle = committed ? this.#owned : undefined;
    if (!handle || handle.uvc) return handle;
    throw this.#input?.unusable() ?? stateViolation('inputClosed', `${what}: camera closed`, {
      expected: 'an open camera',
      found: 'closed',
    });
  }

  /** The settings' camera: the one this session committed, while it is open. */
  protected override committedCamera(what: string): UvcCamera | undefined {
    return this.#committedHandle(what)?.uvc;
  }

  /** A setting takes the camera's lock without waiting (7400106, thrown, when held). */
  protected override runSetting<T>(what: string, work: () => Promise<T>): Promise<T> {
    const handle = this.#committedHandle(what);
    if (!handle) throw notCommitted(what, this.#state);
    return handle.lock.runSetting(this, what, work);
  }
}

/** A session made by `createSession(SceneMode.NORMAL_PHOTO)`: preview and photo outputs. */
export class PhotoSession extends CaptureSession {
  /** Use `CameraManager.createSession`. */
  constructor(options: SessionOptions) {
    super('photo', options);
  }
}

/** A session made by `createSession(SceneMode.NORMAL_VIDEO)`: preview, video, photo outputs. */
export class VideoSession extends CaptureSession {
  /** Use `CameraManager.createSession`. */
  constructor(options: SessionOptions) {
    super('video', options);
  }
}
