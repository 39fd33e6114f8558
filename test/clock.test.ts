/**
 * Device clock recovery: PTS/SCR to host time, drift, wraps, INVALID_DEVICE_SOF (bugs.md §12),
 * PTS-only devices, sanity checks, and the assembler's per-payload SCR hook.
 *
 * The simulated camera samples its STC at each USB frame start (SOF) as UVC 1.5 §2.4.3.3
 * describes; payloads arrive 0–3 ms late (transfer batching); the sensor captures every 33.3 ms.
 */
import { describe, expect, it } from 'vitest';

import { isCameraError } from '../src/errors.js';
import { FrameAssembler } from '../src/stream/assembler.js';
import { DeviceClock, type FrameClock, type SofSource } from '../src/stream/clock.js';
import { FramePool } from '../src/stream/pool.js';

const CLOCK_HZ = 48_000_000;
const FRAME_US = 33_333;
const TWO_32 = 2 ** 32;

/** A deterministic pseudo-random generator in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / TWO_32;
  };
}

interface Camera {
  /** Device clock rate relative to the host: 1 + drift. */
  rate: number;
  /** STC at host time 0 (chosen near the 32-bit wrap). */
  stc0: number;
  /** SOF counts per host millisecond (1 for a correct device, 40/33 for a C922). */
  sofRate: number;
  /** Host time at which the stream starts. */
  start: number;
}

function stcAt(camera: Camera, hostUs: number): number {
  return Math.floor(camera.stc0 + ((hostUs * CLOCK_HZ) / 1e6) * camera.rate) % TWO_32;
}

function sofAt(camera: Camera, hostUs: number): number {
  return Math.floor((hostUs / 1000) * camera.sofRate) % 2048;
}

interface Result {
  errors: number[];
  timestamps: number[];
  fromDevice: boolean[];
}

/** Stream `seconds` of frames into `clock`; errors are timestamp − true capture time (µs). */
function stream(clock: FrameClock, camera: Camera, seconds: number, seed = 1): Result {
  const next = random(seed);
  const result: Result = { errors: [], timestamps: [], fromDevice: [] };
  const frames = Math.floor((seconds * 1e6) / FRAME_US);
  for (let k = 0; k < frames; k += 1) {
    const capture = camera.start + k * FRAME_US;
    // Eight SCR samples per frame, taken at SOF boundaries while the frame is sent.
    for (let i = 0; i < 8; i += 1) {
      const sofTime = Math.floor((capture + 2000 + i * 3500) / 1000) * 1000;
      const arrival = sofTime + 125 + next() * 3000;
      clock.sample(stcAt(camera, sofTime), sofAt(camera, sofTime), arrival);
    }
    const first = capture + 2000 + next() * 3000;
    const last = capture + 30_000 + next() * 3000;
    const timestamp = clock.frameTimestamp(stcAt(camera, capture), first, last);
    result.errors.push(timestamp - capture);
    result.timestamps.push(timestamp);
    result.fromDevice.push(clock.fromDevice);
  }
  return result;
}

function strictlyIncreasing(values: number[]): boolean {
  return values.every((value, index) => index === 0 || value > (values[index - 1] ?? -Infinity));
}

function maxAbs(values: number[]): number {
  return values.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
}

const correctCamera: Camera = {
  rate: 1 + 80e-6,
  stc0: TWO_32 - CLOCK_HZ * 3,
  sofRate: 1,
  start: 5_000_000,
};

describe('device SOF: a correct camera', () => {
  it('maps PTS to host time within a millisecond and measures an 80 ppm drift', () => {
    const clock = new DeviceClock({ clockFrequency: CLOCK_HZ });
    const { errors, timestamps, fromDevice } = stream(clock, correctCamera, 10);

    // After the first second the fit is settled.
    const settled = errors.slice(30);
    expect(maxAbs(settled)).toBeLessThan(1000);
    expect(strictlyIncreasing(timestamps)).toBe(true);
    expect(fromDevice.slice(30).every(Boolean)).toBe(true);
    expect(clock.stats.sofSource).toBe('device');
    expect(clock.stats.deviceSofInvalid).toBe(false);
    expect(clock.stats.driftPpm).toBeGreaterThan(75);
    expect(clock.stats.driftPpm).toBeLessThan(85);
  });

  it('keeps working across the STC wrap (after 3 s) and SOF wraps (every 2.048 s)', () => {
    const clock = new DeviceClock({ clockFrequency: CLOCK_HZ });
    const { errors } = stream(clock, correctCamera, 10, 7);
    const wrapFrame = Math.ceil(3e6 / FRAME_US);
    expect(maxAbs(errors.slice(wrapFrame - 5, wrapFrame + 5))).toBeLessThan(1000);
    expect(maxAbs(errors.slice(-60))).toBeLessThan(1000);
  });

  it('follows a drift change (a warming crystal) within the window', () => {
    const clock = new DeviceClock({ clockFrequency: CLOCK_HZ });
    stream(clock, correctCamera, 5);
    const warmer: Camera = { ...correctCamera, rate: 1 + 150e-6, start: 5_000_000 + 5e6 };
    // Same STC at the switch, so the device clock is continuous.
    warmer.stc0 = stcAt(correctCamera, warmer.start) - (warmer.start * CLOCK_HZ * warmer.rate) / 1e6;
    warmer.stc0 = ((warmer.stc0 % TWO_32) + TWO_32) % TWO_32;
    const { errors } = stream(clock, warmer, 5, 3);
    expect(maxAbs(errors.slice(-60))).toBeLessThan(1000);
    expect(clock.stats.driftPpm).toBeGreaterThan(140);
  });
});

describe('bugs.md §12: SOF not at 1 kHz (Logitech C920/C922, INVALID_DEVICE_SOF)', () => {
  const c922: Camera = { ...correctCamera, sofRate: 40 / 33 };

  it('minimal input: SOF advancing 40 counts per 33 ms frame', () => {
    const clock = new DeviceClock({ clockFrequency: CLOCK_HZ });
    const sofs = [0, 1, 2].map((k) => sofAt(c922, k * 33_000));
    expect(sofs[1]! - sofs[0]!).toBe(40);
    expect(sofs[2]! - sofs[1]!).toBe(40);
    stream(clock, c922, 1);
    expect(clock.stats.deviceSofInvalid).toBe(true);
    expect(clock.stats.sofRate).toBeGreaterThan(1.15);
    expect(clock.stats.sofRate).toBeLessThan(1.27);
  });

  it('auto switches to host SOF and keeps timestamps within the arrival jitter', () => {
    const clock = new DeviceClock({ clockFrequency: CLOCK_HZ });
    const { errors, timestamps, fromDevice } = stream(clock, c922, 10);
    expect(clock.stats.sofSource).toBe('host');
    expect(maxAbs(errors.slice(60))).toBeLessThan(3000);
    expect(strictlyIncreasing(timestamps)).toBe(true);
    expect(fromDevice.slice(60).every(Boolean)).toBe(true);
  });

  it('trusting the device SOF instead gives timestamps off by far more than a frame', () => {
    const trusting = new DeviceClock({ clockFrequency: CLOCK_HZ, sof: 'device' });
    const { errors, fromDevice } = stream(trusting, c922, 10);
    const wrongOrRefused = errors.slice(60).filter((error, index) => {
      return Math.abs(error) > FRAME_US || !fromDevice[index + 60];
    });
    expect(wrongOrRefused.length).toBeGreaterThan(100);
  });

  it('host SOF can be forced (a quirk table entry)', () => {
    for (const sof of ['host', 'auto'] as SofSource[]) {
      const clock = new DeviceClock({ clockFrequency: CLOCK_HZ, sof });
      const { errors } = stream(clock, correctCamera, 4);
      expect(maxAbs(errors.slice(60)), sof).toBeLessThan(3000);
    }
  });
});

describe('sanity checks and fallbacks', () => {
  it('a device with PTS but no SCR: PTS against arrivals', () => {
    const clock = new DeviceClock({ clockFrequency: CLOCK_HZ });
    const next = random(5);
    const errors: number[] = [];
    for (let k = 0; k < 300; k += 1) {
      const capture = 1_000_000 + k * FRAME_US;
      const first = capture + 1500 + next() * 3000;
      const timestamp = clock.frameTimestamp(stcAt(correctCamera, capture), first, first + 20_000);
      errors.push(timestamp - capture);
    }
    expect(clock.stats.sofSource).toBe('host');
    expect(maxAbs(errors.slice(60))).toBeLessThan(3500);
  });

  it('an implausible PTS falls back to the arrival time and is counted', () => {
    const clock = new DeviceClock({ clockFrequency: CLOCK_HZ });
    stream(clock, correctCamera, 2);
    const before = clock.stats.fallbacks;
    const first = correctCamera.start + 3e6;
    const garbage = (stcAt(correctCamera, first) + CLOCK_HZ * 20) % TWO_32; // 20 s ahead
    const timestamp = clock.frameTimestamp(garbage, first, first + 30_000);
    expect(clock.fromDevice).toBe(false);
    expect(timestamp).toBeGreaterThanOrEqual(first);
    expect(clock.stats.fallbacks).toBe(before + 1);
  });

  it('frames without PTS get their arrival time, strictly increasing even when arrivals tie', () => {
    const clock = new DeviceClock({ clockFrequency: CLOCK_HZ });
    const stamps = [1000, 1000, 1000, 900, 5000].map((t) => clock.frameTimestamp(undefined, t, t));
    expect(stamps).toEqual([1000, 1001, 1002, 1003, 5000]);
    expect(clock.stats.monotonicFixes).toBe(3);
    expect(clock.stats.fallbacks).toBe(5);
  });

  it('refuses a clock frequency of 0 with 7400101', () => {
    try {
      new DeviceClock({ clockFrequency: 0 });
      expect.unreachable();
    } catch (error) {
      expect(isCameraError(error, 7400101)).toBe(true);
    }
  });
});

describe('the assembler feeds the clock', () => {
  /** A payload `0c BFH PTS(4) STC(4) SOF(2)` with `data` after it (bugs.md §12 layout). */
  function payload(bfh: number, pts: number, stc: number, sof: number, data: number[]): Uint8Array {
    const bytes = new Uint8Array(12 + data.length);
    const view = new DataView(bytes.buffer);
    bytes[0] = 12;
    bytes[1] = bfh;
    view.setUint32(2, pts, true);
    view.setUint32(6, stc, true);
    view.setUint16(10, sof, true);
    bytes.set(data, 12);
    return bytes;
  }

  it('hands every SCR to the clock with the payload sample time, and stamps the frame', () => {
    const samples: Array<[number, number, number]> = [];
    const frameClock: FrameClock = {
      fromDevice: true,
      sample: (stc, sof, time) => samples.push([stc, sof, time]),
      frameTimestamp: (pts, first) => (pts ?? 0) / 48 + first / 1000,
    };
    const stamps: number[] = [];
    const assembler = new FrameAssembler({
      pool: new FramePool({ count: 2, bufferSize: 64 }),
      compressed: true,
      frameClock,
      onFrame(frame) {
        stamps.push(frame.timestamp);
        expect(frame.timestampFromDevice).toBe(true);
        frame.release();
      },
    });
    assembler.pushPayload(payload(0x8c, 4800, 5000, 0x7ff, [1, 2]), 0, 14, 2000, 1875);
    assembler.pushPayload(payload(0x8e, 4800, 6000, 0x001, [3]), 0, 13, 2000, 2000);
    // A payload without SCR is not a sample.
    assembler.pushPayload(Uint8Array.of(2, 0x81, 9), 0, 3, 3000);
    expect(samples).toEqual([
      [5000, 0x7ff, 1875],
      [6000, 0x001, 2000],
    ]);
    expect(stamps).toEqual([4800 / 48 + 2]);
  });
});
