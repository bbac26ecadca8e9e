// Worker-thread entry when running from TypeScript source (tests, dev). Worker threads do not inherit the
// TypeScript loader of the main thread (tsx, vitest's transform), so the thread registers tsx itself first.
// Compiled pools (dist/) start thread-main.js directly and never load tsx.
import { register } from 'tsx/esm/api';

register();
await import('./thread-main.ts');
