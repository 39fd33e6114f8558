/**
 * Linux usbfs and umockdev wire facts the device model needs, grouped by family.
 *
 * Numbers are for x86-64 (`linux/usbdevice_fs.h`, 64-bit pointers); they were checked against
 * the kernel headers on this machine.
 */

/** usbfs ioctl request numbers (`linux/usbdevice_fs.h`). */
export const USBDEVFS = {
  CONTROL: 0xc0185500,
  BULK: 0xc0185502,
  RESETEP: 0x80045503,
  SETINTERFACE: 0x80085504,
  SETCONFIGURATION: 0x80045505,
  GETDRIVER: 0x41045508,
  SUBMITURB: 0x8038550a,
  DISCARDURB: 0x0000550b,
  REAPURB: 0x4008550c,
  REAPURBNDELAY: 0x4008550d,
  DISCSIGNAL: 0x8010550e,
  CLAIMINTERFACE: 0x8004550f,
  RELEASEINTERFACE: 0x80045510,
  CONNECTINFO: 0x40085511,
  IOCTL: 0xc0105512,
  RESET: 0x00005514,
  CLEAR_HALT: 0x80045515,
  DISCONNECT: 0x00005516,
  CONNECT: 0x00005517,
  GET_CAPABILITIES: 0x8004551a,
  DISCONNECT_CLAIM: 0x8108551b,
  ALLOC_STREAMS: 0x8008551c,
  FREE_STREAMS: 0x8008551d,
  DROP_PRIVILEGES: 0x4004551e,
  GET_SPEED: 0x0000551f,
  FORBID_SUSPEND: 0x00005521,
  ALLOW_SUSPEND: 0x00005522,
  WAIT_FOR_RESUME: 0x00005523,
} as const;

/** The name of an ioctl request number, for logs. */
export function usbdevfsName(request: number): string {
  for (const [name, value] of Object.entries(USBDEVFS)) {
    if (value === request) return name;
  }
  return `0x${request.toString(16)}`;
}

/** `struct usbdevfs_urb` byte offsets (56 bytes, then the iso packet descriptors). */
export const URB = {
  type: 0,
  endpoint: 1,
  status: 4,
  flags: 8,
  buffer: 16,
  buffer_length: 24,
  actual_length: 28,
  start_frame: 32,
  number_of_packets: 36,
  error_count: 40,
  signr: 44,
  usercontext: 48,
  iso_frame_desc: 56,
  SIZE: 56,
} as const;

/** `struct usbdevfs_iso_packet_desc` byte offsets (12 bytes each). */
export const ISO_PACKET_DESC = { length: 0, actual_length: 4, status: 8, SIZE: 12 } as const;

/** `usbdevfs_urb.type` values. */
export const URB_TYPE = { ISO: 0, INTERRUPT: 1, CONTROL: 2, BULK: 3 } as const;

/** `usbdevfs_urb.flags` bits. */
export const URB_FLAG = {
  SHORT_NOT_OK: 0x01,
  ISO_ASAP: 0x02,
  BULK_CONTINUATION: 0x04,
  ZERO_PACKET: 0x40,
} as const;

/** Most isochronous packets usbfs accepts in one URB. */
export const USBFS_MAX_ISO_PACKETS = 128;

/** `struct usbdevfs_ioctl` offsets (USBDEVFS_IOCTL wraps DISCONNECT/CONNECT for an interface). */
export const USBDEVFS_IOCTL_ARG = { ifno: 0, ioctl_code: 4, data: 8, SIZE: 16 } as const;

/** `struct usbdevfs_getdriver` / `usbdevfs_disconnect_claim`: interface, then the driver name. */
export const GETDRIVER_ARG = { interface: 0, driver: 4, DRIVER_LENGTH: 256 } as const;
export const DISCONNECT_CLAIM_ARG = { interface: 0, flags: 4, driver: 8 } as const;

/** usbfs capability bits (USBDEVFS_CAP_*). */
export const USBDEVFS_CAP = {
  ZERO_PACKET: 0x01,
  BULK_CONTINUATION: 0x02,
  NO_PACKET_SIZE_LIM: 0x04,
  BULK_SCATTER_GATHER: 0x08,
  REAP_AFTER_DISCONNECT: 0x10,
  MMAP: 0x20,
  DROP_PRIVILEGES: 0x40,
} as const;

/** Linux errno values the model answers with. */
export const ERRNO = {
  ENOENT: 2,
  EIO: 5,
  EAGAIN: 11,
  EFAULT: 14,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
  EPIPE: 32,
  ENODATA: 61,
  EREMOTEIO: 121,
  EPROTO: 71,
  EOVERFLOW: 75,
  ECONNRESET: 104,
  ESHUTDOWN: 108,
} as const;

/** `enum usb_device_speed` values USBDEVFS_GET_SPEED returns. */
export const USB_SPEED = {
  LOW: 1,
  FULL: 2,
  HIGH: 3,
  WIRELESS: 4,
  SUPER: 5,
  SUPER_PLUS: 6,
} as const;

/** umockdev's ioctl socket messages: three little-endian u64 words `{cmd, a, b}`. */
export const UMOCKDEV_CMD = {
  /** client: an ioctl arrived (a = request, b = argument pointer) */
  IOCTL: 1,
  /** client: result of a RUN */
  RESULT: 2,
  /** server: finished (a = return value, b = errno) */
  DONE: 3,
  /** server: run the real call */
  RUN: 4,
  /** server: send me `b` bytes of your memory at `a` */
  READ_MEM: 5,
  /** server: write the `b` bytes that follow to your memory at `a` */
  WRITE_MEM: 6,
  /** client: a read() arrived (a = buffer, b = count) */
  READ: 7,
  /** client: a write() arrived (a = buffer, b = count) */
  WRITE: 8,
} as const;

/** Size of one umockdev socket message. */
export const UMOCKDEV_MESSAGE_SIZE = 24;

/** The return value meaning "not emulated, do the real call". */
export const UMOCKDEV_UNHANDLED = -100;
