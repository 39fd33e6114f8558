/**
 * Small allocation-free little-endian readers on `Uint8Array`.
 *
 * USB descriptors and UVC control payloads are little-endian. Callers check the length of the
 * buffer before reading; a read past the end yields 0 for the missing bytes rather than
 * `undefined`, so a forgotten check corrupts a value instead of crashing.
 *
 * @packageDocumentation
 */

/** The unsigned byte at `offset` (0 past the end). */
export function readU8(bytes: Uint8Array, offset: number): number {
  return bytes[offset] ?? 0;
}

/** The unsigned 16-bit little-endian integer at `offset`. */
export function readU16LE(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8);
}

/** The unsigned 32-bit little-endian integer at `offset`. */
export function readU32LE(bytes: Uint8Array, offset: number): number {
  const low = readU16LE(bytes, offset);
  const high = readU16LE(bytes, offset + 2);
  return low + high * 0x10000;
}

/** Lower-case hex of `bytes`, two digits per byte, joined by `separator` (a space by default). */
export function toHex(bytes: Uint8Array, separator = ' '): string {
  const parts: string[] = [];
  for (const byte of bytes) parts.push(byte.toString(16).padStart(2, '0'));
  return parts.join(separator);
}

/** `0x`-prefixed hex of a number, padded to `digits` digits. */
export function hexNumber(value: number, digits = 2): string {
  return `0x${value.toString(16).padStart(digits, '0')}`;
}
