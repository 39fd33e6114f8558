/**
 * Still images by the method the camera's input header declares (UVC 1.5 §2.4.2.4), and the
 * hardware trigger (a button on the camera, reported through the status endpoint).
 *
 * - Method 1 (and cameras that declare none): the next good frame of the running stream,
 *   copied.
 * - Method 2: still probe and commit for the streaming format at a still size the format
 *   lists, then STILL_IMAGE_TRIGGER = 1; the camera sends one still in the video pipe, its
 *   payloads marked STI, which a stream tap collects (the frame assembler of the video stream
 *   sees those payloads too and counts them as a bad frame).
 * - Method 3: still probe and commit for any format with stills, then STILL_IMAGE_TRIGGER = 2;
 *   the still arrives on the bulk still-image endpoint, read here payload by payload. No
 *   video stream is needed.
 *
 * Hardware trigger (bTriggerSupport 1): a button press arrives as a status event of the
 * streaming interface; with bTriggerUsage 0 the host takes a still on each press, with 1 the
 * press is only reported.
 *
 * TODO: native: still probe/commit and the still endpoint go through the `USBDevice`; a VS
 * interface owned by the native streaming backend needs them routed through its control pipe.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode, fromUsbError } from '../errors.js';
import {
  STILL_METHOD,
  STILL_TRIGGER,
  TRIGGER_USAGE,
  UVC_REQ,
  VS_CONTROL,
} from '../uvc/constants.js';
import type { FormatDescriptor, VideoStreamingInterface } from '../uvc/model.js';
import { PayloadHeaderFields, readPayloadHeader } from '../uvc/payload.js';
import { getControl, setControl, vsRequest } from '../uvc/requests.js';
import {
  STILL_PROBE,
  decodeStillProbe,
  encodeStillProbe,
  stillEndpointAddress,
  stillSizes,
  uncompressedStillSize,
  type StillProbeControl,
  type StillSize,
} from '../uvc/still.js';
import type { PacketResult } from '../stream/reader.js';
import type { ButtonEvent } from './status.js';
import type { UvcCamera } from './uvc-camera.js';

/** What still to take. */
export interface StillRequest {
  /** Still size (methods 2 and 3); the largest the format offers when absent. */
  width?: number;
  height?: number;
  /** Method 3: the format (bFormatIndex); the first with stills when absent. */
  formatIndex?: number;
  /** One-based compression pattern; 1 when the size lists patterns, else 0. */
  compressionIndex?: number;
  /** How long to wait for the image (default 5000 ms). */
  timeoutMs?: number;
}

/** A still image, copied out of the stream. */
export interface StillImage {
  data: Uint8Array;
  width: number;
  height: number;
  format: FormatDescriptor;
  /** How it was taken: 1 (a video frame), 2 (video pipe) or 3 (still endpoint). */
  method: 1 | 2 | 3;
  /** The committed still probe (methods 2 and 3). */
  committed?: StillProbeControl;
}

/** A hardware trigger event: the press, and the still taken for it (bTriggerUsage 0). */
export interface TriggerEvent {
  button: ButtonEvent;
  still?: StillImage;
  error?: CameraError;
}

/** Default time to wait for a still. */
const DEFAULT_TIMEOUT_MS = 5000;

/** Bulk still reads: room for a whole payload plus one packet, so each payload ends short. */
const MAX_BULK_READ = 64 * 1024;

/** Endpoint number bits of bEndpointAddress (USB 2.0 §9.6.6). */
const ENDPOINT_NUMBER_MASK = 0x0f;

/** Takes still images from a {@link UvcCamera}. */
export class StillCapture {
  readonly #camera: UvcCamera;
  readonly #vs: VideoStreamingInterface;
  #busy = false;

  /**
   * @param interfaceNumber - the VideoStreaming interface; the first with an input header
   *   when absent.
   * @throws CameraError 7400101 when there is no such streaming interface.
   */
  constructor(camera: UvcCamera, interfaceNumber?: number) {
    this.#camera = camera;
    const candidates = camera.videoFunction.streaming.filter((vs) => vs.inputHeader);
    const vs =
      interfaceNumber === undefined
        ? candidates[0]
        : candidates.find((c) => c.bInterfaceNumber === interfaceNumber);
    if (!vs) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'no such input streaming interface', {
        expected: candidates.map((c) => c.bInterfaceNumber),
        found: interfaceNumber ?? 'none',
      });
    }
    this.#vs = vs;
  }

  /** bStillCaptureMethod of the interface (0 none, 1, 2, 3). */
  get method(): number {
    return this.#vs.inputHeader?.bStillCaptureMethod ?? STILL_METHOD.NONE;
  }

  /** True when a hardware trigger exists (bTriggerSupport). */
  get hasHardwareTrigger(): boolean {
    return (this.#vs.inputHeader?.bTriggerSupport ?? 0) !== 0;
  }

  /** The still sizes of a format (methods 2 and 3). */
  sizes(format: FormatDescriptor): StillSize[] {
    return stillSizes(this.#vs, format);
  }

  /**
   * Take one still.
   *
   * @throws CameraError 7400104 when methods 1 and 2 find no running stream on the interface;
   *   7400101 for a size the format does not offer; 7400102 while another still is taken;
   *   7400110 when the camera answers the still probe with another format or size; 7400201
   *   when no image arrives in time; the camera's reason when it refuses a request.
   */
  async capture(request: StillRequest = {}): Promise<StillImage> {
    if (this.#busy) {
      throw new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, 'a still is being taken', {
        expected: 'one still at a time',
        found: 'a still in progress',
      });
    }
    this.#busy = true;
    try {
      if (this.method === STILL_METHOD.STILL_PIPE) return await this.#stillPipe(request);
      if (this.method === STILL_METHOD.VIDEO_PIPE) return await this.#videoPipe(request);
      return await this.#videoFrame(request);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Watch the hardware trigger: `handler` gets every press and release of the interface's
   * button; with bTriggerUsage 0 a still is taken on each press. Returns the function that
   * stops watching.
   */
  watchTrigger(handler: (event: TriggerEvent) => void, request: StillRequest = {}): () => void {
    const initiatesStill = this.#vs.inputHeader?.bTriggerUsage === TRIGGER_USAGE.INITIATE_STILL;
    return this.#camera.events.on((event) => {
      if (event.type !== 'button' || event.interfaceNumber !== this.#vs.bInterfaceNumber) return;
      if (!event.pressed || !initiatesStill || !this.hasHardwareTrigger) {
        handler({ button: event });
        return;
      }
      this.capture(request).then(
        (still) => handler({ button: event, still }),
        (error: unknown) => {
          handler({ button: event, error: asCameraError(error, 'taking a triggered still') });
        },
      );
    });
  }

  // ----------------------------------------------------------------------------------------

  #runningStream(): NonNullable<UvcCamera['stream']> {
    const stream = this.#camera.stream;
    const streamingOn = stream?.choice.streaming.bInterfaceNumber;
    if (!stream || streamingOn !== this.#vs.bInterfaceNumber) {
      const message = 'a still needs the video stream running';
      throw new CameraError(CameraErrorCode.SESSION_NOT_RUNNING, message, {
        expected: `a stream on interface ${this.#vs.bInterfaceNumber}`,
        found: stream ? `a stream on interface ${streamingOn}` : 'no stream',
      });
    }
    return stream;
  }

  /** Method 1: the next good frame. */
  async #videoFrame(request: StillRequest): Promise<StillImage> {
    const stream = this.#runningStream();
    const { format, frame } = stream.choice;
    const data = await this.#waitFor<Uint8Array>(request, (done) =>
      this.#camera.addStreamTap({ frame: (delivered) => done(delivered.data.slice()) }),
    );
    return { data, width: frame.wWidth, height: frame.wHeight, format, method: 1 };
  }

  /** Method 2: negotiate, trigger, collect the STI payloads of the video pipe. */
  async #videoPipe(request: StillRequest): Promise<StillImage> {
    const stream = this.#runningStream();
    const format = stream.choice.format;
    const { size, committed } = await this.#negotiate(format, request);

    const collector = new StillCollector(committed.dwMaxVideoFrameSize);
    const data = await this.#waitFor<Uint8Array>(request, (done, fail) => {
      collector.onDone = done;
      collector.onFail = fail;
      const remove = this.#camera.addStreamTap(collector);
      this.#trigger(STILL_TRIGGER.TRANSMIT).catch((error: unknown) => {
        fail(asCameraError(error, 'triggering a still'));
      });
      return remove;
    });
    this.#checkSize(format, size, data);
    return { data, width: size.wWidth, height: size.wHeight, format, method: 2, committed };
  }

  /** Method 3: negotiate, trigger, read the bulk still endpoint. */
  async #stillPipe(request: StillRequest): Promise<StillImage> {
    const withStills = this.#vs.formats.filter((f) => stillSizes(this.#vs, f).length > 0);
    const format =
      request.formatIndex === undefined
        ? withStills[0]
        : withStills.find((f) => f.bFormatIndex === request.formatIndex);
    if (!format) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'no format with still images', {
        expected: withStills.map((f) => f.bFormatIndex),
        found: request.formatIndex ?? 'none',
      });
    }
    const address = stillEndpointAddress(this.#vs);
    const device = this.#camera.device;
    const streamingOn = this.#camera.stream?.choice.streaming.bInterfaceNumber;
    const claim = streamingOn !== this.#vs.bInterfaceNumber;
    if (claim) {
      try {
        await device.claimInterface(this.#vs.bInterfaceNumber);
      } catch (error) {
        throw fromUsbError(error, `claiming VideoStreaming interface ${this.#vs.bInterfaceNumber}`);
      }
    }

    try {
      const { size, committed } = await this.#negotiate(format, request);
      await this.#trigger(STILL_TRIGGER.TRANSMIT_BULK);
      const collector = new StillCollector(committed.dwMaxVideoFrameSize);
      const payloadRoom = committed.dwMaxPayloadTransferSize + this.#packetSize(address);
      const readSize = Math.min(MAX_BULK_READ, payloadRoom);
      const data = await this.#waitFor<Uint8Array>(request, (done, fail) => {
        collector.onDone = done;
        collector.onFail = fail;
        let stopped = false;
        void (async () => {
          while (!stopped) {
            const result = await device.transferIn(address & ENDPOINT_NUMBER_MASK, readSize);
            if (stopped) return;
            if (result.status !== 'ok') throw new Error(`still endpoint answered ${result.status}`);
            const view = result.data;
            const bytes = view
              ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
              : new Uint8Array(0);
            collector.bulk(bytes, readSize);
          }
        })().catch((error: unknown) => {
          const what = `reading still endpoint 0x${address.toString(16)}`;
          if (!stopped) fail(asCameraError(error, what));
        });
        return () => {
          stopped = true;
        };
      });
      this.#checkSize(format, size, data);
      return { data, width: size.wWidth, height: size.wHeight, format, method: 3, committed };
    } finally {
      if (claim) await device.releaseInterface(this.#vs.bInterfaceNumber).catch(() => undefined);
    }
  }

  #packetSize(address: number): number {
    const endpoint = this.#vs.alternateSettings
      .flatMap((setting) => setting.endpoints)
      .find((e) => e.bEndpointAddress === address);
    return endpoint?.maxPacketSize ?? 512;
  }

  /** Still probe → GET_CUR → still commit (UVC 1.5 §4.3.1.2). */
  async #negotiate(
    format: FormatDescriptor,
    request: StillRequest,
  ): Promise<{ size: StillSize; committed: StillProbeControl }> {
    const sizes = stillSizes(this.#vs, format);
    const area = (s: StillSize): number => s.wWidth * s.wHeight;
    const largest = (best: StillSize | undefined, s: StillSize): StillSize =>
      !best || area(s) > area(best) ? s : best;
    const size =
      request.width === undefined && request.height === undefined
        ? sizes.reduce<StillSize | undefined>(largest, undefined)
        : sizes.find((s) => s.wWidth === request.width && s.wHeight === request.height);
    if (!size) {
      const message = 'the camera offers no still of that size';
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
        expected: sizes.map((s) => `${s.wWidth}x${s.wHeight}`),
        found: `${request.width ?? '?'}x${request.height ?? '?'}`,
      });
    }
    const bCompressionIndex = request.compressionIndex ?? (size.bCompression.length > 0 ? 1 : 0);
    const proposal: StillProbeControl = {
      bFormatIndex: format.bFormatIndex,
      bFrameIndex: size.bFrameIndex,
      bCompressionIndex,
      dwMaxVideoFrameSize: 0,
      dwMaxPayloadTransferSize: 0,
    };

    await this.#set(VS_CONTROL.STILL_PROBE_CONTROL, encodeStillProbe(proposal));
    const answer = decodeStillProbe(await this.#get(VS_CONTROL.STILL_PROBE_CONTROL));
    const moved =
      answer.bFormatIndex !== proposal.bFormatIndex || answer.bFrameIndex !== proposal.bFrameIndex;
    if (moved) {
      throw new CameraError(
        CameraErrorCode.UNRESOLVED_CONFLICTS_WITH_CURRENT_CONFIGURATIONS,
        'the camera answered the still probe with another still',
        {
          expected: `format ${proposal.bFormatIndex} still ${proposal.bFrameIndex}`,
          found: `format ${answer.bFormatIndex} still ${answer.bFrameIndex}`,
        },
      );
    }
    await this.#set(VS_CONTROL.STILL_COMMIT_CONTROL, encodeStillProbe(answer));
    return { size, committed: answer };
  }

  async #trigger(value: number): Promise<void> {
    await this.#set(VS_CONTROL.STILL_IMAGE_TRIGGER_CONTROL, Uint8Array.of(value));
  }

  /** GET_CUR of a VideoStreaming control, through the camera's control gate. */
  async #get(selector: number): Promise<Uint8Array> {
    const params = vsRequest(this.#vs.bInterfaceNumber, selector);
    const device = this.#camera.device;
    return this.#camera.controls.transfer(`GET_CUR(${params.control})`, () =>
      getControl(device, params, UVC_REQ.GET_CUR, STILL_PROBE.LENGTH),
    );
  }

  /** SET_CUR of a VideoStreaming control, through the camera's control gate. */
  async #set(selector: number, data: Uint8Array<ArrayBuffer>): Promise<void> {
    const params = vsRequest(this.#vs.bInterfaceNumber, selector);
    const device = this.#camera.device;
    await this.#camera.controls.transfer(`SET_CUR(${params.control})`, () =>
      setControl(device, params, data),
    );
  }

  #checkSize(format: FormatDescriptor, size: StillSize, data: Uint8Array): void {
    const expected = uncompressedStillSize(format, size);
    if (expected !== undefined && data.length !== expected) {
      throw new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, 'the still has the wrong size', {
        expected: `${expected} bytes (${size.wWidth}x${size.wHeight})`,
        found: `${data.length} bytes`,
      });
    }
  }

  /** Run `start` (which returns its clean-up) until it calls done or fail, or time runs out. */
  #waitFor<T>(
    request: StillRequest,
    start: (done: (value: T) => void, fail: (error: CameraError) => void) => () => void,
  ): Promise<T> {
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let cleanUp = (): void => undefined;
      const finish = (action: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        cleanUp();
        action();
      };
      const timer = setTimeout(() => {
        finish(() =>
          reject(
            new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, 'no still image arrived', {
              expected: `a still within ${timeoutMs} ms`,
              found: 'none',
            }),
          ),
        );
      }, timeoutMs);
      cleanUp = start(
        (value) => finish(() => resolve(value)),
        (error) => finish(() => reject(error)),
      );
      if (settled) cleanUp();
    });
  }
}

/**
 * Collects the STI payloads of one still: from isochronous packets (one payload each), from
 * bulk transfers (a payload ends with a short transfer) or whole payloads. Ends at the EOF of
 * a still payload; more bytes than `limit` fail it.
 */
export class StillCollector {
  onDone: (data: Uint8Array) => void = () => undefined;
  onFail: (error: CameraError) => void = () => undefined;
  readonly #limit: number;
  readonly #chunks: Uint8Array[] = [];
  readonly #header = new PayloadHeaderFields();
  #length = 0;
  #finished = false;
  /** Bulk: the payload being received is a still payload; its header's EOF. */
  #bulk: { still: boolean; eof: boolean } | undefined;

  constructor(limit: number) {
    this.#limit = limit > 0 ? limit : Number.MAX_SAFE_INTEGER;
  }

  /** An isochronous completion: every good packet is one payload. */
  isochronous(data: Uint8Array, packets: readonly PacketResult[]): void {
    for (const packet of packets) {
      if (packet.status !== 'ok' || packet.length === 0) continue;
      this.payload(data.subarray(packet.offset, packet.offset + packet.length));
    }
  }

  /** A bulk completion: the first transfer of a payload holds its header. */
  bulk(data: Uint8Array, requested: number): void {
    if (this.#finished) return;
    if (!this.#bulk) {
      if (data.length === 0) return;
      if (readPayloadHeader(data, 0, data.length, this.#header) !== undefined) return;
      this.#bulk = { still: this.#header.sti, eof: this.#header.eof };
      if (this.#bulk.still) this.#append(data.subarray(this.#header.bHeaderLength));
    } else if (this.#bulk.still) {
      this.#append(data);
    }
    if (data.length < requested) {
      const ended = this.#bulk;
      this.#bulk = undefined;
      if (ended?.still && ended.eof) this.#complete();
    }
  }

  /** One whole payload. */
  payload(bytes: Uint8Array): void {
    if (this.#finished) return;
    if (readPayloadHeader(bytes, 0, bytes.length, this.#header) !== undefined) return;
    if (!this.#header.sti) return;
    const eof = this.#header.eof;
    this.#append(bytes.subarray(this.#header.bHeaderLength));
    if (eof) this.#complete();
  }

  #append(bytes: Uint8Array): void {
    if (this.#finished || bytes.length === 0) return;
    if (this.#length + bytes.length > this.#limit) {
      this.#finished = true;
      const message = 'the still is larger than negotiated';
      this.onFail(
        new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, message, {
          expected: `at most ${this.#limit} bytes (dwMaxVideoFrameSize)`,
          found: `${this.#length + bytes.length} bytes`,
        }),
      );
      return;
    }
    this.#chunks.push(bytes.slice());
    this.#length += bytes.length;
  }

  #complete(): void {
    if (this.#finished) return;
    this.#finished = true;
    const data = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      data.set(chunk, offset);
      offset += chunk.length;
    }
    this.onDone(data);
  }
}

function asCameraError(error: unknown, what: string): CameraError {
  return error instanceof CameraError ? error : fromUsbError(error, what);
}
