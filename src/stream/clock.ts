/**
 * Device clock recovery: turns a frame's PTS (device clock ticks, UVC 1.5 §2.4.3.3) into host
 * time by tracking the device clock against the host clock.
 *
 * Samples: every payload header with an SCR gives the device's Source Time Clock (STC, 32 bits
 * at dwClockFrequency) and the 11-bit USB frame number (SOF, 1 kHz) at which the device sampled
 * it, and the host time the payload arrived. Arrival is late by a variable amount (transfers
 * complete in batches; the event loop adds its own delay), never early.
 *
 * Two ways to place a sample on the host timeline:
 *
 * - **device SOF**: the STC was sampled at bus frame SOF. Bus time runs on the host
 *   controller's clock; its offset to host time is the smallest `arrival − SOF` seen (the
 *   payloads that arrived fastest). This is precise to about a millisecond and immune to
 *   transfer batching.
 * - **host SOF**: the SOF field is ignored and the arrival time itself is the reference. This is
 *   the substitution for cameras whose SOF counter does not run at 1 kHz (Logitech C920 and
 *   C922, UVC_QUIRK_INVALID_DEVICE_SOF, bugs.md §12). With `sof: 'auto'` (the default) the
 *   clock measures the SOF rate against host time and switches to this mode when it is more
 *   than {@link CLOCK_LIMITS.SOF_RATE_TOLERANCE} off.
 *
 * The mapping `host = a + b · stc` is a least-squares line over the samples of the last
 * `windowUs` (2 s by default), so the slope follows the drift between the two crystals; in host
 * mode the line is then lowered onto the earliest arrivals. The slope is kept within
 * {@link CLOCK_LIMITS.MAX_DRIFT_PPM} of nominal. STC, PTS and SOF are unwrapped (32-bit
 * counters wrap every 89 s at 48 MHz; SOF every 2.048 s).
 *
 * Every frame timestamp is sanity-checked before use (bugs.md §12): it must lie between
 * `firstPayloadTime − maxLatencyUs` and the frame's last payload; otherwise the frame gets its
 * arrival time and the fallback is counted. Timestamps are made strictly monotonic.
 *
 * No Node-only API is used; nothing is allocated per sample or per frame.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';

/** Limits and constants of the clock recovery. */
export const CLOCK_LIMITS = {
  /** Samples kept (a ring); older ones leave the fit. */
  CAPACITY: 64,
  /** Default span of host time the fit covers, µs. */
  WINDOW_US: 2_000_000,
  /** The slope stays within this many parts per million of nominal. */
  MAX_DRIFT_PPM: 1_000,
  /** SOF rates further than this from 1 kHz (relative) mean the device SOF is invalid. */
  SOF_RATE_TOLERANCE: 0.02,
  /** Host time over which the SOF rate is judged, µs. */
  SOF_RATE_SPAN_US: 300_000,
  /** Default latest a frame may arrive after its PTS, µs. */
  MAX_LATENCY_US: 250_000,
  /** Allowed lead of a timestamp over the frame's last payload (clock noise), µs. */
  LEAD_TOLERANCE_US: 2_000,
} as const;

/** The SOF counter: 11 bits of milliseconds (USB 2.0 §8.4.3.1). */
const SOF_SPAN = 2048;
const US_PER_MS = 1000;
const US_PER_SECOND = 1_000_000;
const PPM = 1_000_000;

/** Where a sample's reference time comes from; see the module comment. */
export type SofSource = 'device' | 'host' | 'auto';

/** The interface the assembler uses: SCR samples in, frame timestamps out. */
export interface FrameClock {
  /** A payload header carried an SCR; `hostTimeUs` is when its payload arrived. */
  sample(stc: number, sof: number, hostTimeUs: number): void;
  /**
   * The host time of a frame, monotonic: from `pts` when the clock can convert it and the
   * result is plausible, else from `firstPayloadTime`. `fromDevice` tells which.
   */
  frameTimestamp(
    pts: number | undefined,
    firstPayloadTime: number,
    lastPayloadTime: number,
  ): number;
  /** True when the last {@link frameTimestamp} came from the device clock. */
  readonly fromDevice: boolean;
}

/** Options of {@link DeviceClock}. */
export interface DeviceClockOptions {
  /** dwClockFrequency of the VideoControl header (UVC 1.5 §3.7.2), in Hz. */
  clockFrequency: number;
  /** Default `'auto'`. */
  sof?: SofSource;
  /** Span of host time the fit covers, µs (default 2 s). */
  windowUs?: number;
  /** Latest a frame may arrive after its PTS, µs (default 250 ms). */
  maxLatencyUs?: number;
}

/** What the clock has learned (live). */
export interface DeviceClockStats {
  /** SCR samples taken into the fit. */
  samples: number;
  /** `'device'` or `'host'`: the SOF source in use now. */
  sofSource: 'device' | 'host';
  /** True when `auto` found the device SOF not running at 1 kHz. */
  deviceSofInvalid: boolean;
  /** The measured SOF rate relative to 1 kHz (1 is right), once judged; else 0. */
  sofRate: number;
  /** Device clock drift against the host clock in ppm (positive: device runs fast). */
  driftPpm: number;
  /** Frames timestamped from their PTS. */
  deviceTimestamps: number;
  /** Frames that got their arrival time because the PTS was missing or implausible. */
  fallbacks: number;
  /** Timestamps moved forward to keep them strictly increasing. */
  monotonicFixes: number;
}

/** Tracks a device clock against the host clock; see the module comment. */
export class DeviceClock implements FrameClock {
  readonly #usPerTick: number;
  readonly #mode: SofSource;
  readonly #windowUs: number;
  readonly #minSpacingUs: number;
  readonly #maxLatencyUs: number;

  // Sample ring: extended STC, SOF reference (µs of bus time) and arrival (µs of host time).
  readonly #stc = new Float64Array(CLOCK_LIMITS.CAPACITY);
  readonly #bus = new Float64Array(CLOCK_LIMITS.CAPACITY);
  readonly #arrival = new Float64Array(CLOCK_LIMITS.CAPACITY);
  #next = 0;
  #count = 0;

  // Unwrapping state.
  #lastStcRaw = 0;
  #stcExtended = 0;
  #lastSofExtended = 0;
  #lastSampleArrival = -Infinity;
  #started = false;
  #scrSeen = false;

  // The fit: host = #intercept + #slope · (stc − #origin).
  #origin = 0;
  #intercept = 0;
  #slope: number;
  #fitted = false;

  #useHostSof: boolean;
  #lastTimestamp = -Infinity;
  #fromDevice = false;
  readonly #stats: DeviceClockStats;

  constructor(options: DeviceClockOptions) {
    const { clockFrequency } = options;
    if (!(clockFrequency > 0) || !Number.isFinite(clockFrequency)) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'bad device clock frequency', {
        expected: 'dwClockFrequency above 0 Hz',
        found: clockFrequency,
      });
    }

    this.#usPerTick = US_PER_SECOND / clockFrequency;
    this.#slope = this.#usPerTick;
    this.#mode = options.sof ?? 'auto';
    this.#windowUs = options.windowUs ?? CLOCK_LIMITS.WINDOW_US;
    this.#minSpacingUs = this.#windowUs / CLOCK_LIMITS.CAPACITY;
    this.#maxLatencyUs = options.maxLatencyUs ?? CLOCK_LIMITS.MAX_LATENCY_US;
    this.#useHostSof = this.#mode === 'host';
    this.#stats = {
      samples: 0,
      sofSource: this.#useHostSof ? 'host' : 'device',
      deviceSofInvalid: false,
      sofRate: 0,
      driftPpm: 0,
      deviceTimestamps: 0,
      fallbacks: 0,
      monotonicFixes: 0,
    };
  }

  /** What the clock has learned (live). */
  get stats(): Readonly<DeviceClockStats> {
    return this.#stats;
  }

  /** True when the last frame timestamp came from the device clock. */
  get fromDevice(): boolean {
    return this.#fromDevice;
  }

  /** Forget everything (a stream restart). */
  reset(): void {
    this.#count = 0;
    this.#next = 0;
    this.#started = false;
    this.#scrSeen = false;
    this.#fitted = false;
    this.#slope = this.#usPerTick;
    this.#lastSampleArrival = -Infinity;
    this.#lastTimestamp = -Infinity;
    this.#useHostSof = this.#mode === 'host';
    this.#stats.sofSource = this.#useHostSof ? 'host' : 'device';
  }

  /**
   * An SCR sample; see {@link FrameClock.sample}. Samples closer together than the window over
   * the ring's capacity only advance the counters' unwrapping.
   */
  sample(stc: number, sof: number, hostTimeUs: number): void {
    this.#scrSeen = true;
    this.#addSample(stc, sof, hostTimeUs);
  }

  #addSample(stc: number, sof: number, hostTimeUs: number): void {
    const stcExtended = this.#extendStc(stc);
    if (hostTimeUs - this.#lastSampleArrival < this.#minSpacingUs) return;

    const sofExtended = this.#extendSof(sof, hostTimeUs);
    this.#lastSampleArrival = hostTimeUs;
    const slot = this.#next;
    this.#stc[slot] = stcExtended;
    this.#bus[slot] = sofExtended * US_PER_MS;
    this.#arrival[slot] = hostTimeUs;
    this.#next = (slot + 1) % CLOCK_LIMITS.CAPACITY;
    this.#count = Math.min(this.#count + 1, CLOCK_LIMITS.CAPACITY);
    this.#stats.samples += 1;

    if (this.#mode === 'auto' && !this.#useHostSof) this.#judgeSofRate();
    this.#fit();
  }

  /** Host time of a device tick count (32-bit, unwrapped near the latest sample), or NaN. */
  toHostTime(ticks: number): number {
    if (!this.#fitted) return Number.NaN;
    const extended = this.#stcExtended + ((ticks - this.#lastStcRaw) | 0);
    return this.#intercept + this.#slope * (extended - this.#origin);
  }

  /** See {@link FrameClock.frameTimestamp}. */
  frameTimestamp(
    pts: number | undefined,
    firstPayloadTime: number,
    lastPayloadTime: number,
  ): number {
    // A device with PTS but no SCR: each PTS against its frame's arrival is a clock sample.
    if (pts !== undefined && !this.#scrSeen) {
      this.#useHostSof = true;
      this.#stats.sofSource = 'host';
      this.#addSample(pts, 0, firstPayloadTime);
    }

    let timestamp = pts === undefined ? Number.NaN : this.toHostTime(pts);
    const plausible =
      timestamp >= firstPayloadTime - this.#maxLatencyUs &&
      timestamp <= lastPayloadTime + CLOCK_LIMITS.LEAD_TOLERANCE_US;
    this.#fromDevice = plausible;
    if (plausible) {
      this.#stats.deviceTimestamps += 1;
    } else {
      this.#stats.fallbacks += 1;
      timestamp = firstPayloadTime;
    }

    if (timestamp <= this.#lastTimestamp) {
      timestamp = this.#lastTimestamp + 1;
      this.#stats.monotonicFixes += 1;
    }
    this.#lastTimestamp = timestamp;
    return timestamp;
  }

  #extendStc(stc: number): number {
    if (!this.#started) {
      this.#started = true;
      this.#stcExtended = stc;
    } else {
      // The signed 32-bit difference is right across one wrap in either direction.
      this.#stcExtended += (stc - this.#lastStcRaw) | 0;
    }
    this.#lastStcRaw = stc >>> 0;
    return this.#stcExtended;
  }

  /** The SOF counter unwrapped to the cycle closest to what host time predicts. */
  #extendSof(sof: number, hostTimeUs: number): number {
    if (this.#count === 0) {
      this.#lastSofExtended = sof;
      return sof;
    }
    const capacity = CLOCK_LIMITS.CAPACITY;
    const previous = this.#arrival[(this.#next + capacity - 1) % capacity] ?? hostTimeUs;
    const predicted = this.#lastSofExtended + (hostTimeUs - previous) / US_PER_MS;
    const cycles = Math.round((predicted - sof) / SOF_SPAN);
    this.#lastSofExtended = sof + cycles * SOF_SPAN;
    return this.#lastSofExtended;
  }

  /** `auto`: compare the SOF rate with host time once the window spans enough of it. */
  #judgeSofRate(): void {
    const oldest = this.#oldestIndex();
    const newest = (this.#next + CLOCK_LIMITS.CAPACITY - 1) % CLOCK_LIMITS.CAPACITY;
    const hostSpan = (this.#arrival[newest] ?? 0) - (this.#arrival[oldest] ?? 0);
    if (hostSpan < CLOCK_LIMITS.SOF_RATE_SPAN_US) return;

    const busSpan = (this.#bus[newest] ?? 0) - (this.#bus[oldest] ?? 0);
    const rate = busSpan / hostSpan;
    this.#stats.sofRate = rate;
    if (Math.abs(rate - 1) > CLOCK_LIMITS.SOF_RATE_TOLERANCE) {
      this.#useHostSof = true;
      this.#stats.sofSource = 'host';
      this.#stats.deviceSofInvalid = true;
    }
  }

  #oldestIndex(): number {
    return this.#count < CLOCK_LIMITS.CAPACITY ? 0 : this.#next;
  }

  /** Least-squares line through the samples within the window; see the module comment. */
  #fit(): void {
    const capacity = CLOCK_LIMITS.CAPACITY;
    const newest = (this.#next + capacity - 1) % capacity;
    const newestArrival = this.#arrival[newest] ?? 0;
    const host = this.#useHostSof;

    // The bus-to-host offset: the fastest arrival relative to its SOF.
    let busOffset = Infinity;
    let used = 0;
    let sumX = 0;
    let sumY = 0;
    const x0 = this.#stc[newest] ?? 0;
    for (let i = 0; i < this.#count; i += 1) {
      const arrival = this.#arrival[i] ?? 0;
      if (newestArrival - arrival > this.#windowUs) continue;
      busOffset = Math.min(busOffset, arrival - (this.#bus[i] ?? 0));
      used += 1;
      sumX += (this.#stc[i] ?? 0) - x0;
      sumY += host ? arrival : this.#bus[i] ?? 0;
    }
    if (used === 0) return;

    const meanX = sumX / used;
    const meanY = sumY / used;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < this.#count; i += 1) {
      const arrival = this.#arrival[i] ?? 0;
      if (newestArrival - arrival > this.#windowUs) continue;
      const dx = (this.#stc[i] ?? 0) - x0 - meanX;
      sxx += dx * dx;
      sxy += dx * ((host ? arrival : this.#bus[i] ?? 0) - meanY);
    }

    const nominal = this.#usPerTick;
    const limit = (nominal * CLOCK_LIMITS.MAX_DRIFT_PPM) / PPM;
    let slope = used >= 2 && sxx > 0 ? sxy / sxx : nominal;
    slope = Math.min(nominal + limit, Math.max(nominal - limit, slope));
    let intercept = meanY - slope * meanX;

    if (host) {
      // Arrivals are late, never early: lower the line onto the earliest of them.
      let lowest = Infinity;
      for (let i = 0; i < this.#count; i += 1) {
        const arrival = this.#arrival[i] ?? 0;
        if (newestArrival - arrival > this.#windowUs) continue;
        lowest = Math.min(lowest, arrival - (intercept + slope * ((this.#stc[i] ?? 0) - x0)));
      }
      intercept += lowest;
    } else {
      intercept += busOffset;
    }

    this.#origin = x0;
    this.#intercept = intercept;
    this.#slope = slope;
    this.#fitted = true;
    this.#stats.driftPpm = (nominal / slope - 1) * PPM;
  }
}
