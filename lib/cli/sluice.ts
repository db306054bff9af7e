#!/usr/bin/env node
/**
 * The `sluice` bin: turns V8's compile cache on, then loads the program (dist/sluice-program.cjs).
 * The program is one large bundle, and compiling it is much of every command's start-up; with the
 * cache, later starts read the compiled code instead. Node 22 has the cache built in; on Node 20,
 * v8-compile-cache keeps it.
 */
import nodeModule from 'node:module';

const { enableCompileCache } = nodeModule as { enableCompileCache?: () => unknown };
if (enableCompileCache) enableCompileCache();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- bundled into the bin, and run only where Node has no cache of its own
else require('v8-compile-cache');
// Loaded at run time, so that the bundler leaves the program in its own file.
nodeModule.createRequire(__filename)('./sluice-program.cjs');
