// Worker-thread entry of the parallel line-protocol reader. Worker threads do not inherit the TypeScript loader
// that tsx registered in the main thread (nor vitest's transform), so the worker registers tsx itself first.
import { register } from 'tsx/esm/api';

register();
await import('./file-source-worker-main.ts');
