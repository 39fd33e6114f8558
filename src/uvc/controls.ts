/**
 * The Camera Terminal and Processing Unit controls of UVC 1.0, 1.1 and 1.5, as one table.
 *
 * Selectors are from UVC 1.5 Appendix A.9.4 (CT) and A.9.5 (PU); the bmControls bit that
 * advertises each control is from §3.7.2.3 (Table 3-6) and §3.7.2.5 (Table 3-8).
 *
 * @packageDocumentation
 */
import { TT } from './constants.js';
import type { Entity } from './model.js';

/** Which entity type a control belongs to. */
export type ControlEntity = 'camera' | 'processing';

/** One standard control: where it lives on the wire and which bmControls bit advertises it. */
export interface ControlDefinition {
  /** camelCase name used by the public API and the CLI. */
  name: string;
  entity: ControlEntity;
  /** Control selector (CT_* / PU_*). */
  selector: number;
  /** Bit of the entity's bmControls that advertises the control. */
  bit: number;
  /** wLength of GET_CUR/SET_CUR. */
  size: number;
  /** True when the value is a signed integer on the wire. */
  signed: boolean;
  /** Unit of the value, for people. */
  unit: string;
  /** The UVC version that introduced the control (0x0100, 0x0110 or 0x0150). */
  since: number;
}

function control(
  name: string,
  entity: ControlEntity,
  selector: number,
  bit: number,
  size: number,
  extra: { signed?: boolean; unit?: string; since?: number } = {},
): ControlDefinition {
  return {
    name,
    entity,
    selector,
    bit,
    size,
    signed: extra.signed ?? false,
    unit: extra.unit ?? '',
    since: extra.since ?? 0x0100,
  };
}

/** Every standard Camera Terminal and Processing Unit control. */
export const CONTROLS: readonly ControlDefinition[] = [
  control('scanningMode', 'camera', 0x01, 0, 1),
  control('autoExposureMode', 'camera', 0x02, 1, 1, { unit: 'bitmap' }),
  control('autoExposurePriority', 'camera', 0x03, 2, 1),
  control('exposureTimeAbsolute', 'camera', 0x04, 3, 4, { unit: '100 µs' }),
  control('exposureTimeRelative', 'camera', 0x05, 4, 1, { signed: true, unit: 'step' }),
  control('focusAbsolute', 'camera', 0x06, 5, 2, { unit: 'mm' }),
  control('focusRelative', 'camera', 0x07, 6, 2, { unit: 'step, speed' }),
  control('irisAbsolute', 'camera', 0x09, 7, 2, { unit: 'fstop/100' }),
  control('irisRelative', 'camera', 0x0a, 8, 1, { signed: true, unit: 'step' }),
  control('zoomAbsolute', 'camera', 0x0b, 9, 2, { unit: 'objective focal length' }),
  control('zoomRelative', 'camera', 0x0c, 10, 3, { unit: 'direction, digital, speed' }),
  control('panTiltAbsolute', 'camera', 0x0d, 11, 8, { signed: true, unit: 'arc second' }),
  control('panTiltRelative', 'camera', 0x0e, 12, 4, { unit: 'direction, speed' }),
  control('rollAbsolute', 'camera', 0x0f, 13, 2, { signed: true, unit: 'degree' }),
  control('rollRelative', 'camera', 0x10, 14, 2, { unit: 'direction, speed' }),
  control('focusAuto', 'camera', 0x08, 17, 1, { since: 0x0100 }),
  control('privacy', 'camera', 0x11, 18, 1, { since: 0x0110 }),
  control('focusSimple', 'camera', 0x12, 19, 1, { since: 0x0150 }),
  control('window', 'camera', 0x13, 20, 12, { since: 0x0150 }),
  control('regionOfInterest', 'camera', 0x14, 21, 10, { since: 0x0150 }),

  control('brightness', 'processing', 0x02, 0, 2, { signed: true }),
  control('contrast', 'processing', 0x03, 1, 2),
  control('hue', 'processing', 0x06, 2, 2, { signed: true, unit: 'degree/100' }),
  control('saturation', 'processing', 0x07, 3, 2),
  control('sharpness', 'processing', 0x08, 4, 2),
  control('gamma', 'processing', 0x09, 5, 2, { unit: 'gamma×100' }),
  control('whiteBalanceTemperature', 'processing', 0x0a, 6, 2, { unit: 'K' }),
  control('whiteBalanceComponent', 'processing', 0x0c, 7, 4, { unit: 'blue, red' }),
  control('backlightCompensation', 'processing', 0x01, 8, 2),
  control('gain', 'processing', 0x04, 9, 2),
  control('powerLineFrequency', 'processing', 0x05, 10, 1, { unit: 'enum' }),
  control('hueAuto', 'processing', 0x10, 11, 1),
  control('whiteBalanceTemperatureAuto', 'processing', 0x0b, 12, 1),
  control('whiteBalanceComponentAuto', 'processing', 0x0d, 13, 1),
  control('digitalMultiplier', 'processing', 0x0e, 14, 2, { since: 0x0110 }),
  control('digitalMultiplierLimit', 'processing', 0x0f, 15, 2, { since: 0x0110 }),
  control('analogVideoStandard', 'processing', 0x11, 16, 1, { since: 0x0110 }),
  control('analogLockStatus', 'processing', 0x12, 17, 1, { since: 0x0110 }),
  control('contrastAuto', 'processing', 0x13, 18, 1, { since: 0x0150 }),
];

/** True when bit `bit` is set in a little-endian bitmap. */
export function hasBit(bitmap: Uint8Array, bit: number): boolean {
  const byte = bitmap[bit >> 3];
  return byte !== undefined && (byte & (1 << (bit & 7))) !== 0;
}

/** A standard control an entity advertises. */
export interface AdvertisedControl {
  definition: ControlDefinition;
  /** bTerminalID or bUnitID. */
  entityId: number;
}

/** The standard controls an entity's bmControls advertises (none for other entity kinds). */
export function advertisedControls(entity: Entity): AdvertisedControl[] {
  let kind: ControlEntity;
  let bitmap: Uint8Array;
  let entityId: number;
  if (entity.type === 'inputTerminal' && entity.wTerminalType === TT.ITT_CAMERA && entity.camera) {
    kind = 'camera';
    bitmap = entity.camera.bmControls;
    entityId = entity.bTerminalID;
  } else if (entity.type === 'processingUnit') {
    kind = 'processing';
    bitmap = entity.bmControls;
    entityId = entity.bUnitID;
  } else {
    return [];
  }
  return CONTROLS.filter((c) => c.entity === kind && hasBit(bitmap, c.bit)).map((definition) => ({
    definition,
    entityId,
  }));
}
