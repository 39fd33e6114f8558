/**
 * Why a control request failed, as the camera tells it (VC_REQUEST_ERROR_CODE_CONTROL, UVC 1.5
 * §4.2.1.2): the error the control API throws, with the camera's reason as its cause. The
 * mapping of each reason to a camera error code is the one table in `src/errors.ts`
 * ({@link UVC_REQUEST_ERROR_CODES}): out of range and invalid value → 7400101, the rest →
 * 7400102.
 *
 * @packageDocumentation
 */
import { CameraError, UVC_REQUEST_ERROR_CODES, type CameraErrorCode } from '../errors.js';
import { UVC_REQUEST_ERROR } from '../uvc/constants.js';

/** How one request error code maps: its name, the camera error code and a remedy. */
export interface RequestErrorMapping {
  name: string;
  code: CameraErrorCode;
  remedy: string;
}

/** The mapping of a request error code; unknown values map like 0xFF. */
export function requestErrorMapping(requestErrorCode: number | undefined): RequestErrorMapping {
  const unknown = UVC_REQUEST_ERROR_CODES[UVC_REQUEST_ERROR.UNKNOWN]!;
  if (requestErrorCode === undefined) return unknown;
  return UVC_REQUEST_ERROR_CODES[requestErrorCode] ?? unknown;
}

/**
 * A STALLed control request and the camera's reason for it: the `cause` of the CameraError
 * the control API throws.
 */
export class ControlRequestError extends Error {
  override readonly name = 'ControlRequestError';
  /** The request: "SET_CUR(selector 0x04 of entity 1) on interface 0". */
  readonly description: string;
  /**
   * The VC_REQUEST_ERROR_CODE_CONTROL answer; undefined when it was not asked (the quirk
   * table says asking makes things worse) or could not be read.
   */
  readonly requestErrorCode: number | undefined;

  constructor(description: string, requestErrorCode: number | undefined, cause: unknown) {
    const reason =
      requestErrorCode === undefined
        ? 'reason not asked or not given'
        : requestErrorMapping(requestErrorCode).name;
    super(`${description}: STALL (${reason})`, { cause });
    this.description = description;
    this.requestErrorCode = requestErrorCode;
  }
}

/**
 * The CameraError for a STALLed control request: the code of the camera's reason, a message
 * naming the control, the reason and its remedy.
 */
export function controlFailure(
  control: string,
  requestErrorCode: number | undefined,
  cause: ControlRequestError,
  details: { expected?: unknown; found?: unknown } = {},
): CameraError {
  const mapping = requestErrorMapping(requestErrorCode);
  const reason =
    requestErrorCode === undefined ? 'no reason asked' : `${mapping.name} (${requestErrorCode})`;
  const message = `the camera refused ${control}: ${reason}; ${mapping.remedy}`;
  return new CameraError(mapping.code, message, { ...details, cause });
}
