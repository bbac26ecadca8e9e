/**
 * TypeBox for the whole program, through this one module. The build (scripts/build.mjs) replaces its compiled form
 * in dist/ by a one-file bundle of @sinclair/typebox: the package's ESM build is about 900 module loads, ≈ 0.1 s of
 * every CLI start (issue 12), the bundle ≈ 20 ms. Under tsx (tests, development) it is the package itself.
 * Its schemas are plain JSON Schema objects with global-symbol keys, so they mix with any other copy of TypeBox.
 */
export * from '@sinclair/typebox';
export { Value } from '@sinclair/typebox/value';
