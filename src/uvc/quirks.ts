/**
 * Device quirks as data: the flags, one table keyed by VID:PID, a user override, and a
 * once-per-device notice when a camera breaks the specification.
 *
 * Flags name a behaviour of a device, not a fix; the module that meets the behaviour decides
 * what to do about it. The first group mirrors Linux uvcvideo's UVC_QUIRK_* flags (values in
 * {@link QUIRK_FLAGS}, from drivers/media/usb/uvc/uvcvideo.h); the second names behaviours from
 * the fixtures' `bugs.md` that Linux handles without a flag or not at all. The table is sorted
 * by VID:PID and every entry says which product it is and where the behaviour was reported.
 *
 * Nothing here does I/O.
 *
 * @packageDocumentation
 */

/** A named device behaviour. */
export type QuirkFlag =
  | 'statusInterval'
  | 'probeMinMax'
  | 'probeExtraFields'
  | 'builtinISight'
  | 'streamNoFid'
  | 'ignoreSelectorUnit'
  | 'fixBandwidth'
  | 'probeDef'
  | 'restrictFrameRate'
  | 'restoreControlsOnInit'
  | 'forceY8'
  | 'forceBpp'
  | 'wakeAutosuspend'
  | 'noResetResume'
  | 'disableAutosuspend'
  | 'invalidDeviceSof'
  | 'mjpegNoEof'
  | 'msxuMeta'
  | 'controlThrottle'
  | 'noErrorCodeQuery'
  | 'resetOnProtocolError'
  | 'fixFormatIndex'
  | 'bulkPayloadOverrun'
  | 'clampCompressedPayload'
  | 'powerLineFrequencyUvc11'
  | 'probeDefJunk'
  | 'uvc11DescriptorsInUvc10'
  | 'forceBayerGbrg'
  | 'descriptorsAfterEndpoint'
  | 'directShowFormatGuid';

/** What a flag means: the Linux flag value where there is one, and the behaviour it names. */
export interface QuirkFlagInfo {
  /** Value of the Linux UVC_QUIRK_* flag (mainline, or the proposed value where noted). */
  linux?: number;
  /** The device behaviour, and how webuvc copes. */
  description: string;
}

/** Every flag, with its Linux value and meaning (bugs.md, Linux uvcvideo.h). */
export const QUIRK_FLAGS: Readonly<Record<QuirkFlag, QuirkFlagInfo>> = {
  statusInterval: {
    linux: 0x00001,
    description: 'high-speed status endpoint bInterval is a frame count, not an exponent',
  },
  probeMinMax: {
    linux: 0x00002,
    description: 'GET_MIN/GET_MAX(PROBE) fail; negotiation skips them',
  },
  probeExtraFields: {
    linux: 0x00004,
    description:
      'SET_CUR(PROBE) STALLs when dwMaxVideoFrameSize is 0; fill in the last reported value',
  },
  builtinISight: {
    linux: 0x00008,
    description: 'status endpoint sends proprietary data (ignored) and payloads use iSight framing',
  },
  streamNoFid: {
    linux: 0x00010,
    description: 'FID never toggles; EOF alone delimits frames',
  },
  ignoreSelectorUnit: {
    linux: 0x00020,
    description: 'selector unit present but broken; do not query it',
  },
  fixBandwidth: {
    linux: 0x00080,
    description: 'over-requests isochronous bandwidth for uncompressed formats; estimate it',
  },
  probeDef: {
    linux: 0x00100,
    description: 'GET_DEF(PROBE) STALLs; start negotiation from GET_CUR',
  },
  restrictFrameRate: {
    linux: 0x00200,
    description: 'lists frame rates it cannot deliver; keep only dwDefaultFrameInterval',
  },
  restoreControlsOnInit: {
    linux: 0x00400,
    description: 'forgets control values when streaming starts; they are set again after start',
  },
  forceY8: {
    linux: 0x00800,
    description: 'announces a YUV format but sends 8-bit grey',
  },
  forceBpp: {
    linux: 0x01000,
    description: 'bBitsPerPixel of the format descriptor is wrong; compute it from the format',
  },
  wakeAutosuspend: {
    linux: 0x02000,
    description: 'after autosuspend, streams only after the alternate setting is toggled',
  },
  noResetResume: {
    linux: 0x04000,
    description: 'resetting on resume breaks the device',
  },
  disableAutosuspend: {
    linux: 0x08000,
    description: 'autosuspend breaks the device; keep it powered',
  },
  invalidDeviceSof: {
    linux: 0x10000,
    description: 'the SOF counter in SCR does not run at 1 kHz; use host time for timestamps',
  },
  mjpegNoEof: {
    linux: 0x20000,
    description: 'MJPEG stream can lose EOF; a payload starting with SOI starts a frame',
  },
  msxuMeta: {
    linux: 0x40000,
    description: 'implements the Microsoft UVC 1.5 metadata extension unit',
  },
  controlThrottle: {
    linux: 0x80000,
    description:
      'STALLs its endpoints under rapid control traffic; control requests are rate-limited ' +
      '(Linux flag proposed in 2026, not mainline)',
  },
  noErrorCodeQuery: {
    description:
      'asking VC_REQUEST_ERROR_CODE_CONTROL right after a STALL worsens the failure; ' +
      'back off instead of asking',
  },
  resetOnProtocolError: {
    description:
      'firmware wedges after an input change during start-up: the first GET_CUR(PROBE) ends in ' +
      'a protocol error until a USB port reset',
  },
  fixFormatIndex: {
    description: 'format indexes need repair (Linux matches the device ID without a flag)',
  },
  bulkPayloadOverrun: {
    description:
      'bulk payloads exceed dwMaxPayloadTransferSize and stale bytes precede the first header; ' +
      'payloads end on short transfers',
  },
  clampCompressedPayload: {
    description: 'asks for absurd isochronous payload sizes for MJPEG; a moderate setting is used',
  },
  powerLineFrequencyUvc11: {
    description:
      'declares UVC 1.5 but implements power line frequency 0..2 only (no auto); ranges come ' +
      'from GET_MIN/GET_MAX, not bcdUVC',
  },
  probeDefJunk: {
    description: 'GET_DEF(PROBE) returns junk in reserved and unused fields; they are cleaned',
  },
  uvc11DescriptorsInUvc10: {
    description: 'bcdUVC 1.00 with UVC 1.1 descriptors (frame-based formats, 12-byte PU)',
  },
  forceBayerGbrg: {
    description: 'announces Bayer GRBG but sends GBRG',
  },
  descriptorsAfterEndpoint: {
    description:
      'class-specific VS descriptors follow the endpoint descriptor (and a vendor descriptor ' +
      'sits in the configuration); the parser attaches them to their interface',
  },
  directShowFormatGuid: {
    description:
      'names an uncompressed format by a DirectShow GUID (e436eb7x-…), not a FOURCC one',
  },
};

/** Rate limit for control requests: a token bucket (see `camera/throttle.ts`). */
export interface ControlThrottle {
  /** Requests that may go back to back. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
  /** Milliseconds to wait after a STALL before the next request. */
  backOffMs: number;
}

/** One device of the table. */
export interface QuirkEntry {
  idVendor: number;
  idProduct: number;
  /** The product, for people. */
  product: string;
  /** The quirk applies to firmware up to this bcdDevice only. */
  bcdDeviceMax?: number;
  flags: readonly QuirkFlag[];
  /** With `controlThrottle`: the rate limit. */
  throttle?: ControlThrottle;
}

/**
 * Razer Kiyo Pro: about 25 back-to-back requests STALL it (bugs.md §8). webuvc's choice, not
 * a measured limit: 8 back to back, then one every 25 ms, and 200 ms of quiet after a STALL.
 */
const KIYO_PRO_THROTTLE: ControlThrottle = { burst: 8, perSecond: 40, backOffMs: 200 };

/** The quirk table, sorted by VID:PID. */
export const QUIRK_TABLE: readonly QuirkEntry[] = [
  // Genius eFace 2025 (Linux uvc_driver.c).
  { idVendor: 0x0458, idProduct: 0x706e, product: 'Genius eFace 2025', flags: ['probeMinMax'] },
  // Microsoft LifeCam NX-6000 (Linux uvc_driver.c).
  {
    idVendor: 0x045e,
    idProduct: 0x00f8,
    product: 'Microsoft LifeCam NX-6000',
    flags: ['probeMinMax'],
  },
  // Microsoft LifeCam NX-3000 (Linux uvc_driver.c; bugs.md §6).
  {
    idVendor: 0x045e,
    idProduct: 0x0721,
    product: 'Microsoft LifeCam NX-3000',
    flags: ['probeDef'],
  },
  // Microsoft LifeCam VX-7000 (Linux uvc_driver.c).
  {
    idVendor: 0x045e,
    idProduct: 0x0723,
    product: 'Microsoft LifeCam VX-7000',
    flags: ['probeMinMax'],
  },
  // Logitech C310: junk in GET_DEF(PROBE) (bugs.md §17, captures/logitech_C310_enum.pcapng).
  { idVendor: 0x046d, idProduct: 0x081b, product: 'Logitech C310', flags: ['probeDefJunk'] },
  // Logitech C910 (Linux uvc_driver.c).
  { idVendor: 0x046d, idProduct: 0x0821, product: 'Logitech C910', flags: ['wakeAutosuspend'] },
  // Logitech B910 (Linux uvc_driver.c).
  { idVendor: 0x046d, idProduct: 0x0823, product: 'Logitech B910', flags: ['wakeAutosuspend'] },
  // Logitech HD Pro Webcam C920: forgets controls at stream start, SOF drift, UVC 1.0 with
  // frame-based H.264 (Linux uvc_driver.c; bugs.md §12, §15).
  {
    idVendor: 0x046d,
    idProduct: 0x082d,
    product: 'Logitech HD Pro Webcam C920',
    flags: ['restoreControlsOnInit', 'invalidDeviceSof', 'uvc11DescriptorsInUvc10'],
  },
  // Logitech C922 Pro Stream Webcam: SOF drift (bugs.md §12).
  { idVendor: 0x046d, idProduct: 0x085c, product: 'Logitech C922', flags: ['invalidDeviceSof'] },
  // Logitech Rally Bar Huddle (Linux uvc_driver.c).
  {
    idVendor: 0x046d,
    idProduct: 0x087c,
    product: 'Logitech Rally Bar Huddle',
    flags: ['noResetResume'],
  },
  // Logitech Rally Bar (Linux uvc_driver.c).
  { idVendor: 0x046d, idProduct: 0x089b, product: 'Logitech Rally Bar', flags: ['noResetResume'] },
  // Logitech Rally Bar Mini (Linux uvc_driver.c).
  {
    idVendor: 0x046d,
    idProduct: 0x08d3,
    product: 'Logitech Rally Bar Mini',
    flags: ['noResetResume'],
  },
  // Chicony CNF7129 (Linux uvc_driver.c).
  { idVendor: 0x04f2, idProduct: 0xb071, product: 'Chicony CNF7129', flags: ['restrictFrameRate'] },
  // ARC International camera: VS descriptors after the endpoint (bugs.md §18, libuvc PR 67).
  {
    idVendor: 0x05a3,
    idProduct: 0x8830,
    product: 'ARC camera',
    flags: ['descriptorsAfterEndpoint'],
  },
  // Dell XPS M1530 integrated webcam (Linux uvc_driver.c; bugs.md §6).
  {
    idVendor: 0x05a9,
    idProduct: 0x2640,
    product: 'Dell XPS M1530 webcam (OmniVision)',
    flags: ['probeDef'],
  },
  // Dell SP2008WFP monitor webcam (Linux uvc_driver.c).
  {
    idVendor: 0x05a9,
    idProduct: 0x2641,
    product: 'Dell SP2008WFP webcam (OmniVision)',
    flags: ['probeDef'],
  },
  // Dell Alienware X51 (Linux uvc_driver.c; bugs.md §6).
  {
    idVendor: 0x05a9,
    idProduct: 0x2643,
    product: 'Dell Alienware X51 (OmniVision)',
    flags: ['probeDef'],
  },
  // Dell Studio Hybrid 140g (Linux uvc_driver.c).
  {
    idVendor: 0x05a9,
    idProduct: 0x264a,
    product: 'Dell Studio Hybrid webcam (OmniVision)',
    flags: ['probeDef'],
  },
  // Dell XPS M1330 (Linux uvc_driver.c).
  {
    idVendor: 0x05a9,
    idProduct: 0x7670,
    product: 'Dell XPS M1330 webcam (OmniVision)',
    flags: ['probeDef'],
  },
  // Apple built-in iSight (Linux uvc_driver.c; descriptors/apple_builtin_isight_05ac-8501).
  {
    idVendor: 0x05ac,
    idProduct: 0x8501,
    product: 'Apple Built-in iSight',
    flags: ['probeMinMax', 'builtinISight'],
  },
  // Apple built-in iSight, MacBook Pro (Linux uvc_driver.c).
  {
    idVendor: 0x05ac,
    idProduct: 0x8514,
    product: 'Apple Built-in iSight (MacBook Pro)',
    flags: ['probeDef'],
  },
  // Apple FaceTime HD via iBridge, MacBook Pro 2016 (bugs.md §6).
  {
    idVendor: 0x05ac,
    idProduct: 0x8600,
    product: 'Apple iBridge camera (MacBook Pro 2016)',
    flags: ['probeDef'],
  },
  // Foxlink webcam (Linux uvc_driver.c).
  { idVendor: 0x05c8, idProduct: 0x0403, product: 'Foxlink webcam', flags: ['fixBandwidth'] },
  // Genesys Logic USB 2.0 PC camera (Linux uvc_driver.c; bugs.md §11).
  { idVendor: 0x05e3, idProduct: 0x0505, product: 'Genesys Logic camera', flags: ['streamNoFid'] },
  // Hercules Classic Silver (Linux uvc_driver.c).
  {
    idVendor: 0x06f8,
    idProduct: 0x300c,
    product: 'Hercules Classic Silver',
    flags: ['fixBandwidth'],
  },
  // ViMicro Vega (Linux uvc_driver.c).
  { idVendor: 0x0ac8, idProduct: 0x332d, product: 'ViMicro Vega', flags: ['fixBandwidth'] },
  // ViMicro (Minoru3D) (Linux uvc_driver.c).
  { idVendor: 0x0ac8, idProduct: 0x3410, product: 'ViMicro (Minoru3D)', flags: ['fixBandwidth'] },
  // ViMicro Venus (Linux uvc_driver.c).
  { idVendor: 0x0ac8, idProduct: 0x3420, product: 'ViMicro Venus', flags: ['fixBandwidth'] },
  // Realtek integrated webcam, Dell XPS 12 (bugs.md §2, §18; captures/ usbmon trace).
  {
    idVendor: 0x0bda,
    idProduct: 0x5602,
    product: 'Realtek Integrated Webcam (Dell XPS 12)',
    flags: ['bulkPayloadOverrun', 'descriptorsAfterEndpoint'],
  },
  // Sonix Technology USB 2.0 camera (Linux uvc_driver.c).
  { idVendor: 0x0c45, idProduct: 0x6366, product: 'Sonix USB 2.0 camera', flags: ['mjpegNoEof'] },
  // MT6227 (Linux uvc_driver.c).
  { idVendor: 0x0e8d, idProduct: 0x0004, product: 'MT6227', flags: ['probeMinMax', 'probeDef'] },
  // Elgato Cam Link 4K (bugs.md §1).
  {
    idVendor: 0x0fd9,
    idProduct: 0x0066,
    product: 'Elgato Cam Link 4K',
    flags: ['resetOnProtocolError', 'fixFormatIndex'],
  },
  // IMC Networks (Linux uvc_driver.c; bugs.md §11).
  { idVendor: 0x13d3, idProduct: 0x5103, product: 'IMC Networks camera', flags: ['streamNoFid'] },
  // Razer Kiyo Pro: STALLs under rapid control traffic, fails after power transitions
  // (bugs.md §8).
  {
    idVendor: 0x1532,
    idProduct: 0x0e05,
    product: 'Razer Kiyo Pro',
    flags: ['controlThrottle', 'noErrorCodeQuery', 'disableAutosuspend', 'noResetResume'],
    throttle: KIYO_PRO_THROTTLE,
  },
  // Kurokesu C1 PRO (Linux uvc_driver.c).
  { idVendor: 0x16d0, idProduct: 0x0ed1, product: 'Kurokesu C1 PRO', flags: ['mjpegNoEof'] },
  // Syntek (Asus F9SG) (Linux uvc_driver.c; bugs.md §11).
  {
    idVendor: 0x174f,
    idProduct: 0x5212,
    product: 'Syntek camera (Asus F9SG)',
    flags: ['streamNoFid'],
  },
  // Syntek (Samsung Q310) (Linux uvc_driver.c).
  {
    idVendor: 0x174f,
    idProduct: 0x5931,
    product: 'Syntek camera (Samsung Q310)',
    flags: ['streamNoFid'],
  },
  // Syntek (Packard Bell EasyNote MX52) (Linux uvc_driver.c).
  {
    idVendor: 0x174f,
    idProduct: 0x8a12,
    product: 'Syntek camera (Packard Bell MX52)',
    flags: ['streamNoFid'],
  },
  // Syntek (Asus F9SG) (Linux uvc_driver.c).
  {
    idVendor: 0x174f,
    idProduct: 0x8a31,
    product: 'Syntek camera (Asus F9SG)',
    flags: ['streamNoFid'],
  },
  // Syntek (Asus U3S) (Linux uvc_driver.c).
  {
    idVendor: 0x174f,
    idProduct: 0x8a33,
    product: 'Syntek camera (Asus U3S)',
    flags: ['streamNoFid'],
  },
  // Syntek (JAOtech Smart Terminal) (Linux uvc_driver.c).
  {
    idVendor: 0x174f,
    idProduct: 0x8a34,
    product: 'Syntek camera (JAOtech)',
    flags: ['streamNoFid'],
  },
  // Miricle 307K (Linux uvc_driver.c).
  { idVendor: 0x17dc, idProduct: 0x0202, product: 'Miricle 307K', flags: ['streamNoFid'] },
  // Lenovo Thinkpad SL400/SL500 (Linux uvc_driver.c).
  {
    idVendor: 0x17ef,
    idProduct: 0x480b,
    product: 'Lenovo ThinkPad SL400 camera',
    flags: ['streamNoFid'],
  },
  // Aveo Technology USB 2.0 camera (Linux uvc_driver.c).
  {
    idVendor: 0x1871,
    idProduct: 0x0306,
    product: 'Aveo Technology camera',
    flags: ['probeMinMax', 'probeExtraFields'],
  },
  // Ecamm Pico iMage (Linux uvc_driver.c).
  { idVendor: 0x18cd, idProduct: 0xcafe, product: 'Ecamm Pico iMage', flags: ['probeExtraFields'] },
  // Arkmicro USB camera (Linux uvc_driver.c).
  { idVendor: 0x18ec, idProduct: 0x3290, product: 'Arkmicro camera', flags: ['probeDef'] },
  // Phytec CAM 004H / The Imaging Source (bugs: lsusb fixture, proposed Linux quirk).
  {
    idVendor: 0x199e,
    idProduct: 0x8302,
    product: 'Phytec CAM 004H (The Imaging Source)',
    flags: ['forceBayerGbrg'],
  },
  // Bodelin ProScopeHR, firmware up to 1.26 (Linux uvc_driver.c).
  {
    idVendor: 0x19ab,
    idProduct: 0x1000,
    product: 'Bodelin ProScopeHR',
    bcdDeviceMax: 0x0126,
    flags: ['statusInterval'],
  },
  // Alcor "Slave camera" (bugs.md §5).
  {
    idVendor: 0x1b17,
    idProduct: 0x6684,
    product: 'Alcor Slave camera',
    flags: ['clampCompressedPayload'],
  },
  // SiGma Micro USB web camera (Linux uvc_driver.c).
  {
    idVendor: 0x1c4f,
    idProduct: 0x3000,
    product: 'SiGma Micro camera',
    flags: ['ignoreSelectorUnit'],
  },
  // Alcor "Slave camera", second ID (bugs.md §5).
  {
    idVendor: 0x2017,
    idProduct: 0x0011,
    product: 'Alcor Slave camera',
    flags: ['clampCompressedPayload'],
  },
  // Rockchip camera with UVC 1.1 processing units in a UVC 1.0 device (bugs.md §15).
  {
    idVendor: 0x2207,
    idProduct: 0x0018,
    product: 'Rockchip camera',
    flags: ['uvc11DescriptorsInUvc10'],
  },
  // Oculus VR Positional Tracker DK2 (Linux uvc_driver.c).
  { idVendor: 0x2833, idProduct: 0x0201, product: 'Oculus DK2 tracker', flags: ['forceY8'] },
  // Oculus VR Rift Sensor (Linux uvc_driver.c).
  { idVendor: 0x2833, idProduct: 0x0211, product: 'Oculus Rift Sensor', flags: ['forceY8'] },
  // USB 3 camera with a BGR24 DirectShow GUID (bugs.md §7;
  // descriptors/usb3_bgr24_camera_2935-0001.lsusb.txt).
  {
    idVendor: 0x2935,
    idProduct: 0x0001,
    product: 'USB 3 BGR24 camera',
    flags: ['directShowFormatGuid'],
  },
  // GEO Semiconductor GC6500 (Linux uvc_driver.c).
  { idVendor: 0x29fe, idProduct: 0x4d53, product: 'GEO Semiconductor GC6500', flags: ['forceBpp'] },
  // SunplusIT HD Camera: UVC 1.5 with UVC 1.1 power line frequency (bugs.md §9).
  {
    idVendor: 0x2b7e,
    idProduct: 0xb752,
    product: 'SunplusIT HD Camera',
    flags: ['powerLineFrequencyUvc11'],
  },
  // Insta360 Link (Linux uvc_driver.c).
  { idVendor: 0x2e1a, idProduct: 0x4c01, product: 'Insta360 Link', flags: ['disableAutosuspend'] },
  // ELP H264 USB camera: UVC 1.0 with frame-based H.264 (bugs.md §15).
  {
    idVendor: 0x32e4,
    idProduct: 0x9422,
    product: 'ELP H264 USB Camera',
    flags: ['uvc11DescriptorsInUvc10'],
  },
  // MacroSilicon MS210x EasyCAP: GET_DEF(PROBE) not supported (bugs.md §6).
  {
    idVendor: 0x534d,
    idProduct: 0x0021,
    product: 'MacroSilicon EasyCAP AV2USB',
    flags: ['probeDef'],
  },
];

/** Who a device is: its IDs from the device descriptor. */
export interface DeviceIdentity {
  idVendor: number;
  idProduct: number;
  bcdDevice?: number;
}

/**
 * A user's correction to the table, like Linux's `quirks=` module parameter: `only` replaces
 * the table's flags, `add` and `remove` adjust them; `throttle` sets (or with `null` removes)
 * the rate limit.
 */
export interface QuirkOverride {
  only?: readonly QuirkFlag[];
  add?: readonly QuirkFlag[];
  remove?: readonly QuirkFlag[];
  throttle?: ControlThrottle | null;
}

/** The quirks in force for one device. */
export interface DeviceQuirks {
  /** `vvvv:pppp`. */
  id: string;
  /** The table entry's product, when the device is in the table. */
  product?: string;
  flags: ReadonlySet<QuirkFlag>;
  /** The rate limit of control requests, when `controlThrottle` is in force. */
  throttle?: ControlThrottle;
}

/** `046d:082d`. */
export function deviceId(identity: Pick<DeviceIdentity, 'idVendor' | 'idProduct'>): string {
  const hex = (value: number): string => value.toString(16).padStart(4, '0');
  return `${hex(identity.idVendor)}:${hex(identity.idProduct)}`;
}

/** The table entry of a device, if any. */
export function findQuirkEntry(identity: DeviceIdentity): QuirkEntry | undefined {
  return QUIRK_TABLE.find(
    (entry) =>
      entry.idVendor === identity.idVendor &&
      entry.idProduct === identity.idProduct &&
      (entry.bcdDeviceMax === undefined ||
        identity.bcdDevice === undefined ||
        identity.bcdDevice <= entry.bcdDeviceMax),
  );
}

/** Default rate limit when a user turns `controlThrottle` on for a device the table lacks. */
export const DEFAULT_CONTROL_THROTTLE: ControlThrottle = KIYO_PRO_THROTTLE;

/** The quirks in force for `identity`: the table's, corrected by `override`. */
export function resolveQuirks(
  identity: DeviceIdentity,
  override: QuirkOverride = {},
): DeviceQuirks {
  const entry = findQuirkEntry(identity);
  const flags = new Set<QuirkFlag>(override.only ?? entry?.flags ?? []);
  for (const flag of override.add ?? []) flags.add(flag);
  for (const flag of override.remove ?? []) flags.delete(flag);

  let throttle: ControlThrottle | undefined;
  if (override.throttle === null) flags.delete('controlThrottle');
  else if (override.throttle) flags.add('controlThrottle');
  if (flags.has('controlThrottle')) {
    throttle = override.throttle ?? entry?.throttle ?? DEFAULT_CONTROL_THROTTLE;
  }

  return {
    id: deviceId(identity),
    ...(entry ? { product: entry.product } : {}),
    flags,
    ...(throttle ? { throttle } : {}),
  };
}

/** The probe/commit workarounds of the quirks, in the shape `camera/negotiate.ts` takes. */
export function negotiateQuirksOf(quirks: DeviceQuirks): {
  probeDef?: boolean;
  probeMinMax?: boolean;
} {
  return {
    ...(quirks.flags.has('probeDef') ? { probeDef: true } : {}),
    ...(quirks.flags.has('probeMinMax') ? { probeMinMax: true } : {}),
  };
}

/** Parse a flag name the user typed; undefined when it is not one. */
export function parseQuirkFlag(name: string): QuirkFlag | undefined {
  return Object.hasOwn(QUIRK_FLAGS, name) ? (name as QuirkFlag) : undefined;
}

// ------------------------------------------------------------------------------------------
// Notices.

/** A camera broke the specification, or a quirk changed what webuvc does. */
export interface QuirkNotice {
  /** `vvvv:pppp` of the device. */
  device: string;
  /** What kind of notice: a quirk flag, or a short key such as `controlUnsupported`. */
  kind: string;
  /** One sentence for people. */
  message: string;
}

/** Receives notices; never called twice for the same device and key. */
export type NoticeListener = (notice: QuirkNotice) => void;

/** Keys already reported, per device object (a `USBDevice`), for the life of that object. */
const reported = new WeakMap<object, Set<string>>();

/**
 * Report `notice` to `listener` unless this device already reported the same kind and
 * `detail` (for instance the control's name). Returns true when the notice went out. Without
 * a listener nothing is reported and nothing is remembered.
 */
export function noticeOnce(
  device: object,
  listener: NoticeListener | undefined,
  notice: QuirkNotice,
  detail = '',
): boolean {
  if (!listener) return false;
  const key = `${notice.kind}\u0000${detail}`;
  let keys = reported.get(device);
  if (!keys) {
    keys = new Set();
    reported.set(device, keys);
  }
  if (keys.has(key)) return false;
  keys.add(key);
  listener(notice);
  return true;
}

/** Report each quirk in force for a device once: what it is and why it applies. */
export function noticeQuirks(
  device: object,
  quirks: DeviceQuirks,
  listener?: NoticeListener,
): void {
  for (const flag of quirks.flags) {
    const product = quirks.product ? ` (${quirks.product})` : '';
    noticeOnce(device, listener, {
      device: quirks.id,
      kind: flag,
      message: `${quirks.id}${product}: ${QUIRK_FLAGS[flag].description}`,
    });
  }
}
