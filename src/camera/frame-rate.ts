/**
 * Frame-rate rules of a session: which requests conflict with the other outputs, which rate
 * the one UVC stream runs at, and which frames each output takes from it.
 *
 * The rules follow OpenHarmony's preview and video outputs: a request is checked against the
 * other outputs' rates first (a conflict is 7400110), then against the rates the camera offers
 * (7400101), and re-applying the active range is an invalid argument too. Two fixed rates are
 * compatible when one is a whole multiple of the other: the stream runs at the faster and the
 * slower output takes every n-th frame; a lone fixed rate is the stream's rate. A range is
 * compatible with a range it overlaps and with no fixed rate. `{ 0, 0 }` means "not set" and
 * conflicts with any rate that is set.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode, stateViolation } from '../errors.js';
import type { FrameRateRange } from './profiles.js';

/** How close a ratio must be to a whole number to count as one (rates have two decimals). */
const MULTIPLE_TOLERANCE = 1e-3;

/** True for `{ 0, 0 }`. */
export function isUnset(range: FrameRateRange): boolean {
  return range.min === 0 && range.max === 0;
}

/** True for a fixed, set rate (`min === max > 0`). */
export function isFixed(range: FrameRateRange): boolean {
  return range.min > 0 && range.min === range.max;
}

/** True when `a` is a whole multiple (1×, 2×, …) of `b`. */
export function isMultiple(a: number, b: number): boolean {
  if (a <= 0 || b <= 0) return false;
  const ratio = a / b;
  const whole = Math.abs(ratio - Math.round(ratio)) < MULTIPLE_TOLERANCE;
  return whole && ratio >= 1 - MULTIPLE_TOLERANCE;
}

/** `min-max fps` or `n fps`, for messages. */
export function describeRange(range: FrameRateRange): string {
  return range.min === range.max ? `${range.min} fps` : `${range.min}-${range.max} fps`;
}

/** True when `request` can share one stream with `other` (both set). */
function compatible(request: FrameRateRange, other: FrameRateRange): boolean {
  if (isUnset(request)) return false;
  if (isFixed(other)) {
    return (
      isFixed(request) && (isMultiple(request.min, other.min) || isMultiple(other.min, request.min))
    );
  }
  return request.min <= other.max && request.max >= other.min;
}

/** What a frame-rate request is checked against. */
export interface FrameRateCheck {
  request: FrameRateRange;
  /** The output's active range. */
  active: FrameRateRange;
  /** The set ranges of the session's other outputs. */
  others: readonly FrameRateRange[];
  /** The ranges the camera offers for the output's format and size. */
  supported: readonly FrameRateRange[];
  /** The call, for messages ("preview.setFrameRate(15, 30)"). */
  what: string;
}

/**
 * Check a frame-rate request in OpenHarmony's order.
 *
 * @throws CameraError 7400110 when another output's rate conflicts; 7400101 when the camera
 *   offers no range that holds it, or when it is the active range already.
 */
export function checkFrameRate(check: FrameRateCheck): void {
  const { request, active, others, supported, what } = check;

  const conflicting = others.filter((other) => !isUnset(other) && !compatible(request, other));
  if (conflicting.length > 0) {
    throw stateViolation('rateConflict', `${what} conflicts with the other outputs' frame rates`, {
      expected: `a rate one stream can serve with ${conflicting.map(describeRange).join(', ')}`,
      found: describeRange(request),
    });
  }

  const fits = supported.some((range) => range.min <= request.min && request.max <= range.max);
  if (!fits || isUnset(request)) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `${what}: rate not supported`, {
      expected: `within one of ${supported.map(describeRange).join(', ') || 'no ranges'}`,
      found: describeRange(request),
    });
  }

  if (request.min === active.min && request.max === active.max) {
    const message = `${what}: the range is active already`;
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: `a range other than the active ${describeRange(active)}`,
      found: describeRange(request),
    });
  }
}

/**
 * The rate the stream runs at, from `rates` (what the frame offers): with fixed-rate outputs,
 * the slowest rate that is a multiple of each of them (their least common multiple when the
 * camera offers it); otherwise the fastest rate; in either case within every set range. With
 * `continuous` the frame takes any rate between its slowest and fastest, so the set rates are
 * candidates too. `null` when no range is set (use the camera's default), `undefined` when no
 * rate fits.
 */
export function chooseStreamRate(
  rates: readonly number[],
  constraints: readonly FrameRateRange[],
  continuous = false,
): number | null | undefined {
  const set = constraints.filter((range) => !isUnset(range));
  if (set.length === 0) return null;

  const candidates = new Set(rates);
  const slowest = Math.min(...rates);
  const fastest = Math.max(...rates);
  for (const range of continuous ? set : []) {
    for (const rate of [range.min, range.max]) {
      if (rate >= slowest && rate <= fastest) candidates.add(rate);
    }
  }
  const fixed = set.some(isFixed);
  const ordered = [...candidates]
    .filter((rate) => rate > 0)
    .sort((a, b) => (fixed ? a - b : b - a));
  return ordered.find((rate) =>
    set.every((range) =>
      isFixed(range) ? isMultiple(rate, range.min) : range.min <= rate && rate <= range.max,
    ),
  );
}

/** Every how many stream frames an output with `range` takes one (1 = every frame). */
export function decimation(streamRate: number, range: FrameRateRange): number {
  if (!isFixed(range) || streamRate <= 0) return 1;
  return Math.max(1, Math.round(streamRate / range.min));
}
