#!/usr/bin/env node
/**
 * The `sluice` bin: loads the program (dist/sluice-program.cjs) with V8's code cache. The program is
 * one large bundle, and compiling it, then each function a command calls, is much of every
 * command's start-up; with the cache, later starts read the compiled code instead.
 *
 * Node 22 keeps the cache itself. On Node 20, this file keeps it, one per command: it compiles the
 * program with the code an earlier run of the same command cached and, when there was none (or V8
 * refused it), caches at exit the code of every function this run compiled. A cache made as the
 * program loads, as require hooks make it, holds only its top level: a sixth of that code.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

// Loaded at run time, so that the bundler leaves the program in its own file.
const PROGRAM = path.join(__dirname, 'sluice-program.cjs');

/**
 * The cache's directory, made private to this user; undefined when it is not: code read from the
 * cache runs as this user's own, so a directory that another user owns or may write to (a cache
 * home set to a shared place) is not used.
 */
function privateCacheDirectory(): string | undefined {
  const directory = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'sluice', 'compile-cache');
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const stats = lstatSync(directory);
    return stats.isDirectory() && stats.uid === process.getuid?.() && (stats.mode & 0o077) === 0 ? directory : undefined;
  } catch {
    return undefined;
  }
}

function runWithCodeCache(file: string, command: string): void {
  const source = readFileSync(file, 'utf8');
  const { size, mtimeMs } = statSync(file);
  // The key names this build of the program and this Node, so that a cache is offered only to the code it was made from.
  const key = createHash('sha256')
    .update(JSON.stringify([file, size, mtimeMs, process.version, command]))
    .digest();
  const directory = privateCacheDirectory();
  const cacheFile =
    directory &&
    path.join(
      directory,
      `${createHash('sha256')
        .update(JSON.stringify([file, command]))
        .digest('hex')
        .slice(0, 32)}.bin`,
    );
  let cachedData: Buffer | undefined;
  try {
    const cached = cacheFile ? readFileSync(cacheFile) : undefined;
    if (cached?.subarray(0, key.length).equals(key)) cachedData = cached.subarray(key.length);
  } catch {
    // No cache yet: this run makes it.
  }
  const script = new vm.Script(nodeModule.wrap(source), {
    filename: file,
    cachedData,
    // Lambda functions run from handler files may be ES modules, which the program imports.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    process.once('exit', () => {
      try {
        writeFileSync(cacheFile, Buffer.concat([key, script.createCachedData()]), { mode: 0o600 });
      } catch {
        // A cache that cannot be written only makes the next start slower.
      }
    });
  }
  const programModule = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(programModule.exports, nodeModule.createRequire(file), programModule, file, path.dirname(file));
}

if ('enableCompileCache' in nodeModule) {
  (nodeModule as { enableCompileCache: () => unknown }).enableCompileCache();
  nodeModule.createRequire(__filename)(PROGRAM);
} else {
  runWithCodeCache(PROGRAM, process.argv[2] ?? '');
}
