/**
 * The enumerations of the OpenHarmony camera framework (`@ohos.multimedia.camera`) that the
 * camera API uses, with OpenHarmony's names and values.
 *
 * Each is an `as const` object with a union type of the same name.
 *
 * @packageDocumentation
 */

/** What a camera status event reports (`camera.CameraStatus`). */
export const CameraStatus = {
  /** A camera was attached. */
  CAMERA_STATUS_APPEAR: 0,
  /** A camera was removed. */
  CAMERA_STATUS_DISAPPEAR: 1,
  /** A camera can be opened again. */
  CAMERA_STATUS_AVAILABLE: 2,
  /** A camera is in use. */
  CAMERA_STATUS_UNAVAILABLE: 3,
} as const;
/** One of {@link CameraStatus}. */
export type CameraStatus = (typeof CameraStatus)[keyof typeof CameraStatus];

/** Where a camera faces (`camera.CameraPosition`); USB cameras do not say. */
export const CameraPosition = {
  CAMERA_POSITION_UNSPECIFIED: 0,
  CAMERA_POSITION_BACK: 1,
  CAMERA_POSITION_FRONT: 2,
  CAMERA_POSITION_FOLD_INNER: 3,
} as const;
/** One of {@link CameraPosition}. */
export type CameraPosition = (typeof CameraPosition)[keyof typeof CameraPosition];

/** The kind of lens (`camera.CameraType`); USB cameras are the default kind. */
export const CameraType = {
  CAMERA_TYPE_DEFAULT: 0,
  CAMERA_TYPE_WIDE_ANGLE: 1,
  CAMERA_TYPE_ULTRA_WIDE: 2,
  CAMERA_TYPE_TELEPHOTO: 3,
  CAMERA_TYPE_TRUE_DEPTH: 4,
} as const;
/** One of {@link CameraType}. */
export type CameraType = (typeof CameraType)[keyof typeof CameraType];

/** How a camera is attached (`camera.ConnectionType`); webuvc cameras are USB plug-ins. */
export const ConnectionType = {
  CAMERA_CONNECTION_BUILT_IN: 0,
  CAMERA_CONNECTION_USB_PLUGIN: 1,
  CAMERA_CONNECTION_REMOTE: 2,
} as const;
/** One of {@link ConnectionType}. */
export type ConnectionType = (typeof ConnectionType)[keyof typeof ConnectionType];

/** The scene modes webuvc offers for `createSession` (`camera.SceneMode`). */
export const SceneMode = {
  /** A PhotoSession: preview and photo outputs. */
  NORMAL_PHOTO: 1,
  /** A VideoSession: preview, video and photo outputs. */
  NORMAL_VIDEO: 2,
} as const;
/** One of {@link SceneMode}. */
export type SceneMode = (typeof SceneMode)[keyof typeof SceneMode];

/**
 * Exposure modes (`camera.ExposureMode`). On a UVC camera LOCKED is the manual mode of the
 * Auto-Exposure Mode control and CONTINUOUS_AUTO its auto or aperture-priority mode; UVC has
 * no one-shot automatic exposure, so AUTO is never supported.
 */
export const ExposureMode = {
  EXPOSURE_MODE_LOCKED: 0,
  EXPOSURE_MODE_AUTO: 1,
  EXPOSURE_MODE_CONTINUOUS_AUTO: 2,
} as const;
/** One of {@link ExposureMode}. */
export type ExposureMode = (typeof ExposureMode)[keyof typeof ExposureMode];

/**
 * Focus modes (`camera.FocusMode`). On a UVC camera CONTINUOUS_AUTO is Focus, Auto on, MANUAL
 * and LOCKED are Focus, Auto off (MANUAL needs an absolute or relative focus control); UVC has
 * no one-shot autofocus, so AUTO is never supported.
 */
export const FocusMode = {
  FOCUS_MODE_MANUAL: 0,
  FOCUS_MODE_CONTINUOUS_AUTO: 1,
  FOCUS_MODE_AUTO: 2,
  FOCUS_MODE_LOCKED: 3,
} as const;
/** One of {@link FocusMode}. */
export type FocusMode = (typeof FocusMode)[keyof typeof FocusMode];

/**
 * White balance modes (`camera.WhiteBalanceMode`). On a UVC camera AUTO is White Balance
 * Temperature, Auto on; MANUAL, LOCKED and the presets turn it off, the presets setting a colour
 * temperature (cloudy 6500 K, daylight 5500 K, fluorescent 4000 K, incandescent 2800 K).
 */
export const WhiteBalanceMode = {
  AUTO: 0,
  CLOUDY: 1,
  INCANDESCENT: 2,
  FLUORESCENT: 3,
  DAYLIGHT: 4,
  MANUAL: 5,
  LOCKED: 6,
} as const;
/** One of {@link WhiteBalanceMode}. */
export type WhiteBalanceMode = (typeof WhiteBalanceMode)[keyof typeof WhiteBalanceMode];

/** Rotations a photo may be tagged with (`camera.ImageRotation`). */
export const ImageRotation = {
  ROTATION_0: 0,
  ROTATION_90: 90,
  ROTATION_180: 180,
  ROTATION_270: 270,
} as const;
/** One of {@link ImageRotation}. */
export type ImageRotation = (typeof ImageRotation)[keyof typeof ImageRotation];

/** Photo quality levels (`camera.QualityLevel`). */
export const QualityLevel = {
  QUALITY_LEVEL_HIGH: 0,
  QUALITY_LEVEL_MEDIUM: 1,
  QUALITY_LEVEL_LOW: 2,
} as const;
/** One of {@link QualityLevel}. */
export type QualityLevel = (typeof QualityLevel)[keyof typeof QualityLevel];

/** True when `value` is one of the values of the enumeration object `family`. */
export function isEnumValue<T extends Record<string, number>>(
  family: T,
  value: unknown,
): value is T[keyof T] {
  return typeof value === 'number' && Object.values(family).includes(value);
}
