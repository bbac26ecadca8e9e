// Render worker entry. Worker threads do not inherit the TypeScript loader that tsx registered in the main
// thread (nor vitest's transform), so the worker registers tsx itself before importing the TypeScript code.
import { register } from 'tsx/esm/api';

register();
await import('./render-worker-main.ts');
