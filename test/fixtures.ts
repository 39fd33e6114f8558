/** Where the shared real-camera fixtures live: `../shared/fixtures` from the project root. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
export const fixturesDir = join(projectRoot, '..', 'shared', 'fixtures');
export const rawDescriptorsDir = join(fixturesDir, 'descriptors', 'raw');
export const capturesDir = join(fixturesDir, 'captures');
