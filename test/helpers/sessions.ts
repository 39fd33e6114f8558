/**
 * Sessions ready for a test: an open input and a committed (or running) session with a
 * preview output, and optionally photo or video outputs, on the manager's first camera.
 */
import type { CameraManager } from '../../src/camera/manager.js';
import type { CameraInput } from '../../src/camera/input.js';
import type { PhotoOutput, PreviewOutput, VideoOutput } from '../../src/camera/outputs.js';
import type { Profile } from '../../src/camera/profiles.js';
import type { CaptureSession } from '../../src/camera/session.js';
import type { CameraDevice } from '../../src/camera/camera-device.js';
import { SceneMode } from '../../src/camera/enums.js';

/** What {@link openSession} made. */
export interface OpenSession {
  camera: CameraDevice;
  input: CameraInput;
  session: CaptureSession;
  preview: PreviewOutput;
  photo?: PhotoOutput;
  video?: VideoOutput;
  profile: Profile;
}

/** Options of {@link openSession}. */
export interface OpenSessionOptions {
  camera?: CameraDevice;
  /** Match the preview profile (default: the first). */
  profile?: (profile: Profile) => boolean;
  photo?: boolean;
  /** A video output with this fixed rate at the preview's format and size. */
  videoFps?: number;
  /** Start the session (default true). */
  start?: boolean;
}

/** Open the camera, configure, commit and (by default) start a session. */
export async function openSession(
  manager: CameraManager,
  options: OpenSessionOptions = {},
): Promise<OpenSession> {
  const camera = options.camera ?? manager.getSupportedCameras()[0]!;
  const capability = manager.getSupportedOutputCapability(camera);
  const profile = capability.previewProfiles.find(options.profile ?? (() => true))!;
  const input = manager.createCameraInput(camera);
  await input.open();
  const video = options.videoFps !== undefined;
  const session = manager.createSession(video ? SceneMode.NORMAL_VIDEO : SceneMode.NORMAL_PHOTO);
  const preview = manager.createPreviewOutput(profile);
  const result: OpenSession = { camera, input, session, preview, profile };

  session.beginConfig();
  session.addInput(input);
  session.addOutput(preview);
  if (options.photo) {
    result.photo = manager.createPhotoOutput(profile);
    session.addOutput(result.photo);
  }
  if (video) {
    const videoProfile = capability.videoProfiles.find(
      (p) =>
        p.format === profile.format &&
        p.size.width === profile.size.width &&
        p.size.height === profile.size.height &&
        p.frameRateRange.min === options.videoFps &&
        p.frameRateRange.max === options.videoFps,
    )!;
    result.video = manager.createVideoOutput(videoProfile);
    session.addOutput(result.video);
  }
  await session.commitConfig();
  if (options.start !== false) await session.start();
  return result;
}

/** What {@link readFrames} reads of a frame. */
interface ReadableFrame {
  data: Uint8Array;
  sequence: number;
  timestamp: number;
  release(): void;
}

/** Read `count` frames from an iterator, copying what the test needs and releasing each. */
export async function readFrames(
  frames: AsyncIterableIterator<ReadableFrame>,
  count: number,
): Promise<Array<{ length: number; sequence: number; timestamp: number }>> {
  const out: Array<{ length: number; sequence: number; timestamp: number }> = [];
  for await (const frame of frames) {
    out.push({ length: frame.data.length, sequence: frame.sequence, timestamp: frame.timestamp });
    frame.release();
    if (out.length === count) break;
  }
  return out;
}
