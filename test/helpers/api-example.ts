// The README's camera API example, as it runs there with every import from 'webuvc'.
import { getCameraManager, SceneMode } from '../../src/camera/api.js';
import { createVirtualCamera } from '../../src/usb/virtual-camera.js';

// Any W3C USBDevice works here; without `devices` the manager takes the attached cameras.
const manager = await getCameraManager({ devices: [await createVirtualCamera()] });
const camera = manager.getSupportedCameras()[0]!;
const { previewProfiles } = manager.getSupportedOutputCapability(camera);
const profile = previewProfiles.find((p) => p.format === 'MJPEG') ?? previewProfiles[0]!;

const input = manager.createCameraInput(camera);
input.on('error', camera, (error) => console.error(`camera lost: ${error.code} ${error.message}`));
await input.open();

const session = manager.createSession(SceneMode.NORMAL_PHOTO);
const preview = manager.createPreviewOutput(profile);
const photo = manager.createPhotoOutput(profile);
session.beginConfig();
session.addInput(input);
session.addOutput(preview);
session.addOutput(photo);
await session.commitConfig();
await session.start();

let count = 0;
for await (const frame of preview.frames()) {
  console.log(`frame ${frame.sequence}: ${frame.data.length} bytes at ${frame.timestamp} µs`);
  frame.release(); // the buffer goes back to the pool
  if (++count === 5) break;
}
await preview.setFrameRate(15, 15); // the stream restarts at 15 fps
const picture = await photo.capture();
const { width, height, format, data } = picture;
console.log(`photo: ${width}x${height} ${format}, ${data.length} bytes`);

await session.release();
await input.close();
await manager.release();
