/**
 * `webuvc COMMAND --help`: each command's options and examples. A command without an entry
 * here shows the general usage.
 *
 * @packageDocumentation
 */

import { RECORD_HELP } from './record.js';
import { REPLAY_HELP } from './replay.js';

const SOURCES = `Camera: --virtual (built-in virtual camera), --emulate FILE (descriptors: .config.bin,
UsbTreeView report or lsusb -v text), --device VID:PID (an attached camera), or none (the first
attached camera).`;

const EXIT_CODES = `Exit codes: 0 success, 1 unexpected failure, 2 usage error, 3 camera error (7400xxx).`;

/** Help text per command. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  list: `webuvc list [--json]

The UVC cameras attached to this machine: VID:PID, bus, address, names.

Examples:
  webuvc list
  webuvc list --json | jq '.[0].vendorId'

${EXIT_CODES}`,

  info: `webuvc info [--json] [--descriptors FILE | --emulate FILE | --virtual | --device VID:PID]

A camera's model: formats, frame sizes and rates, controls, extension units, endpoints.
--descriptors FILE reads a descriptor file instead of a camera.

Examples:
  webuvc info --virtual
  webuvc info --descriptors camera.lsusb.txt --json

${SOURCES}
${EXIT_CODES}`,

  capture: `webuvc capture [--frames N] [--out DIR] [--format FMT] [--size WxH] [--fps N]
               [--image png|jpeg] [--json] [camera]

Stream and write N frames (default 10) to DIR (default frames/): MJPEG as .jpg as sent,
uncompressed frames converted to .png (or .jpg with --image jpeg). Falls back to the virtual
camera when no webcam is attached.

Examples:
  webuvc capture --frames 10 --out frames
  webuvc capture --virtual --format MJPEG --size 1280x720 --fps 15 --json

${SOURCES}
${EXIT_CODES}`,

  controls: `webuvc controls [--json] [--set NAME=VALUE ...] [camera]

A camera's controls with their ranges and current values. --set (repeatable, applied in order)
sets them first: names are the control table's (exposureTimeAbsolute) or the public ones
(exposure, pan); values are numbers, menu names (manual, 50Hz) or fields (panTilt=3600,0).

Examples:
  webuvc controls --virtual
  webuvc controls --virtual --set exposureMode=manual --set exposure=200 --json

${SOURCES}
${EXIT_CODES}`,

  stream: `webuvc stream [--to - | --to FILE] [--format FMT] [--size WxH] [--fps N]
              [--frames N | --seconds S] [--json] [camera]

Frames as a video stream: MJPEG as concatenated JPEGs (Huffman tables added where missing),
uncompressed YUV formats as YUV4MPEG2 (planar 4:2:2, 4:2:0 or mono). --to - (the default)
writes to stdout, which must then be a pipe. Runs until N frames, S seconds, the reader
closes the pipe, or Ctrl-C. --json prints a summary on stdout (with --to FILE only).

Examples:
  webuvc stream --virtual --format MJPEG | ffplay -f mjpeg -framerate 30 -
  webuvc stream --format YUYV --size 640x480 --seconds 10 | ffmpeg -i - -c:v libx264 out.mp4
  webuvc stream --frames 300 --to clip.y4m

${SOURCES}
${EXIT_CODES}`,

  serve: `webuvc serve [--port N] [--host ADDRESS] [--format FMT] [--size WxH] [--fps N] [--json] [camera]

A local web page with the camera live (MJPEG over HTTP), its formats, its controls as sliders,
and frame-rate and drop counters. Listens on 127.0.0.1 port 8080 (--port 0: any free port);
another --host is allowed with a warning, since anyone reaching it can watch and change the
camera. Without --format it streams MJPEG when the camera has it. --json prints one line
{ url, host, port, ... } once it listens. Ctrl-C stops it.

Examples:
  webuvc serve --virtual
  webuvc serve --device 046d:0825 --port 9000
  webuvc serve --host 0.0.0.0          (reachable from the network: read the warning)

${SOURCES}
${EXIT_CODES}`,

  doctor: `webuvc doctor [--device VID:PID] [--json]

Why a camera cannot be opened: the native streaming binding (with the reason it is missing),
USB visibility, no camera or not a UVC device, no permission (with the udev rule that fixes
it), a kernel driver holding it, unusable descriptors. Exits 3 when it finds a problem.

Examples:
  webuvc doctor
  webuvc doctor --device 046d:0825 --json

${EXIT_CODES}`,

  bench: `webuvc bench [NAME ...] [--json] [--list]

Run the benchmarks in bench/ (all, or the ones named), each as node bench/NAME.mjs, passing
--json through. Needs the source tree and a build (npm run build).

Examples:
  webuvc bench --list
  webuvc bench assembly
  webuvc bench latency --json > latency.json

${EXIT_CODES}`,
  record: RECORD_HELP,
  replay: REPLAY_HELP,
};
