/**
 * Why a class request failed, as the camera tells it (VC_REQUEST_ERROR_CODE_CONTROL, UVC 1.5
 * §4.2.1.2): the `cause` of the CameraError the control and still APIs throw. The code each
 * reason maps to is the one table in `src/errors.ts` (`UVC_REQUEST_ERROR_CODES`, applied by
 * `fromUvcRequestError`).
 *
 * @packageDocumentation
 */
import { uvcRequestErrorEntry } from '../errors.js';

/** A STALLed class request and the camera's reason for it. */
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
        : uvcRequestErrorEntry(requestErrorCode).name;
    super(`${description}: STALL (${reason})`, { cause });
    this.description = description;
    this.requestErrorCode = requestErrorCode;
  }
}
