/**
 * Where this thread's time goes while some work runs: V8's sampling CPU profiler, through the
 * inspector, with each sample's time given to what was on top of the stack, grouped into a few
 * kinds a reader can act on. A benchmark is one bundle; esbuild marks where each of its modules
 * begins (`// node_modules/@smithy/core/...`), which tells the module a sampled line belongs to.
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { Profiler, Runtime } from 'node:inspector';
import { pathToFileURL } from 'node:url';

/** Milliseconds by kind of work, and the whole span profiled. */
export interface ThreadTime {
  byKind: Map<string, number>;
  totalMs: number;
}

/** Samples every 100 µs: a no-op action's parts last a few milliseconds. */
const SAMPLING_INTERVAL_US = 100;

export const WAITING = 'waiting: for the embedded stack’s answers (on its own thread) and the file system’s thread pool';
const SDK = 'the AWS SDK’s client side of the store calls: building, signing, sending, parsing';
const ENGINE = 'the state machine (aws-local-stepfunctions)';
const FILE_CALLS = 'file calls on this thread (workspace directories, log files)';
const GARBAGE = 'garbage collection';
const SLUICE = 'Sluice’s own code (handlers, records, events)';
const HTTP = 'Node’s HTTP client and sockets: the store calls’ requests and answers';
const NODE = 'Node’s own code otherwise (promises, timers, events)';
const OTHER_LIBRARIES = 'other libraries';
const NATIVE = 'V8 and native code outside JavaScript';

/** The native functions that Node's fs calls end in. */
const FILE_NATIVES = new Set([
  'open',
  'openFileHandle',
  'close',
  'mkdir',
  'mkdtemp',
  'rmdir',
  'rmSync',
  'unlink',
  'stat',
  'lstat',
  'fstat',
  'readdir',
  'writeBuffer',
  'writeBuffers',
  'writeString',
  'read',
  'access',
  'rename',
  'realpath',
]);

/** The module that each line of a bundle came from, by the markers esbuild writes before each. */
function modulesOfBundle(bundle: string): (line: number) => string {
  const starts: { line: number; module: string }[] = [];
  readFileSync(bundle, 'utf8')
    .split('\n')
    .forEach((text, line) => {
      const module = /^\/\/ ((?:node_modules|lib|bench)\/\S+)$/.exec(text)?.[1];
      if (module) starts.push({ line, module });
    });
  return (line) => {
    let low = 0;
    let high = starts.length - 1;
    let found = '';
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (starts[middle]!.line <= line) {
        found = starts[middle]!.module;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  };
}

function kindOfModule(module: string): string {
  const inPackage = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(module)?.[1];
  if (!inPackage) return SLUICE;
  if (/^@(aws-sdk|smithy|aws-crypto)\//.test(inPackage) || inPackage === 'fast-xml-parser') return SDK;
  if (inPackage === 'aws-local-stepfunctions' || inPackage.startsWith('jsonpath')) return ENGINE;
  return OTHER_LIBRARIES;
}

function kindOf({ functionName, url, lineNumber }: Runtime.CallFrame, bundleUrls: Set<string>, moduleAt: (line: number) => string): string {
  if (functionName === '(idle)') return WAITING;
  if (functionName === '(garbage collector)') return GARBAGE;
  if (functionName === '(program)') return NATIVE;
  if (url === '' && FILE_NATIVES.has(functionName)) return FILE_CALLS;
  if (bundleUrls.has(url)) return kindOfModule(moduleAt(lineNumber));
  if (/^node:(_http_|net$|internal\/(stream_base_commons|streams\/))/.test(url) || (url === '' && /^writev?$|^writeUtf8String$/.test(functionName)))
    return HTTP;
  if (url.startsWith('node:') || url === '') return NODE;
  return OTHER_LIBRARIES;
}

/** Runs `work` with this thread's CPU profiled; `bundle` is the path of the benchmark's bundle, whose code is classified by module. */
export async function profileThread<T>(bundle: string, work: () => Promise<T>): Promise<{ result: T; time: ThreadTime }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = await session.post('Profiler.stop');
    return { result, time: timeByKind(profile, bundle) };
  } finally {
    session.disconnect();
  }
}

/** Samples taken while the profiler stops itself are not the work's: they are left out. */
function timeByKind(profile: Profiler.Profile, bundle: string): ThreadTime {
  const moduleAt = modulesOfBundle(bundle);
  const bundleUrls = new Set([bundle, pathToFileURL(bundle).href]);
  const parentOf = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node] as const)));
  const inInspector = (node: Profiler.ProfileNode | undefined): boolean =>
    node !== undefined && (node.callFrame.url === 'node:inspector' || inInspector(parentOf.get(node.id)));
  const kindOfNode = new Map(profile.nodes.map((node) => [node.id, inInspector(node) ? undefined : kindOf(node.callFrame, bundleUrls, moduleAt)]));
  const byKind = new Map<string, number>();
  let totalMs = 0;
  (profile.samples ?? []).forEach((node, index) => {
    const kind = kindOfNode.get(node);
    const ms = (profile.timeDeltas?.[index] ?? 0) / 1000;
    if (kind === undefined) return;
    byKind.set(kind, (byKind.get(kind) ?? 0) + ms);
    totalMs += ms;
  });
  return { byKind, totalMs };
}
