import type { LocalInstallation } from '../compose/local';
import { commandLineCaller } from '../compose/callers';
import { ruleCatalog } from '../actions/rule-registry';
import { awsCredentialsFound, localRegion } from '../compose/aws-access';
import { lambdaHandlers } from '../compose/local-job-functions';
import { awsEndpoints } from '../compose/rule-endpoints';
import { claimDataDir } from '../compose/data-dir';
import { BadInputError, NotFoundError, SluiceError } from '../core/errors';
import type { PipelineExecutionRecord } from '../ports/execution-store';
import { ExitCode } from './exit-codes';
import type { CreatedPipeline, SluiceApi } from '../operations/sluice-api';
import { ownerApi } from './api-access';
import { runThroughServe } from './run-through-serve';
import { providerCatalog } from '../actions/registry';
import { validatePipelineAsking } from '../core/validate';
import type { PipelineDeclaration } from '../core/declaration';
import type { PipelineVersionRecord } from '../ports/execution-store';
import type { LocalOptions } from './local-options';
import { formatProblems, loadPipelineFile, printNotes } from './pipeline-file';
import type { TemplateOptions } from './template-options';
import { RunProgress } from './progress';

export interface RunLocalOptions extends LocalOptions, TemplateOptions {
  var?: Record<string, string>;
  json?: boolean;
  quiet?: boolean;
  autoApprove?: boolean;
}

/** Resolves once the user presses Ctrl-C (or the process is asked to terminate). */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** What to run: a declaration file (registered as a new version when it changed), or a registered pipeline by name. */
export type RunTarget = { file: string } | { name: string };

/**
 * `sluice run` and `start-pipeline-execution`: runs one pipeline on the local installation to its
 * end, with live progress and Ctrl-C to stop. `afterRun` may use the installation before it closes.
 */
export async function runLocal(
  target: RunTarget,
  options: RunLocalOptions,
  afterRun?: (installation: LocalInstallation, execution: PipelineExecutionRecord) => Promise<void>,
): Promise<ExitCode> {
  let file: PipelineDeclaration | undefined;
  if ('file' in target) {
    const loaded = await loadPipelineFile(target.file, 'local', options.dataDir, options);
    if (!loaded.ok) {
      console.error(formatProblems(target.file, loaded.problems));
      console.error('Nothing was run.');
      return ExitCode.BadInput;
    }
    printNotes(loaded);
    file = loaded.pipeline;
  }
  const say = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);
  const progress = new RunProgress(say, { showLogs: !options.quiet && !options.json });
  // Under sluice serve, serve runs it; another sluice run's data dir stays busy (below).
  const owner = afterRun ? undefined : await ownerApi(options.dataDir, 'serve');
  if (owner) {
    try {
      const name = file?.name ?? (target as { name: string }).name;
      return await runThroughServe(owner, { name, declaration: file }, registerVersion, {
        variables: options.var,
        json: options.json,
        autoApprove: options.autoApprove,
        say,
        progress,
      });
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
      console.error(error.message);
      return error instanceof BadInputError || error instanceof NotFoundError ? ExitCode.BadInput : ExitCode.Failed;
    }
  }
  // The embedded stack loads only here, so a run handed to sluice serve starts at once.
  let opened: Awaited<ReturnType<typeof openForRun>>;
  try {
    opened = await openForRun(options, progress, say);
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    console.error(error.message);
    return ExitCode.Failed;
  }
  const { installation, runInForeground } = opened;
  // The first Ctrl-C stops and waits, as StopPipelineExecution does; a second one, or a request to terminate, abandons.
  const waiting = new AbortController();
  const abandoning = new AbortController();
  const abandon = () => {
    if (abandoning.signal.aborted) return;
    say('Stopping now: abandoning the running actions...');
    abandoning.abort();
  };
  const onInterrupt = () => {
    if (waiting.signal.aborted) return abandon();
    say('Stopping: the running actions finish first, and no new one starts; press Ctrl-C again to abandon them.');
    waiting.abort();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', abandon);
  installation.bus.subscribe(progress.onEvent);
  try {
    const { operations } = installation;
    const registered = file ? await registerVersion(operations, file) : await operations.getPipeline((target as { name: string }).name);
    const refused = await refusedLocally(registered.declaration, installation.dataDir);
    if (refused) throw new BadInputError(refused);
    const execution = await runInForeground(
      installation.deps,
      installation.engine,
      { pipeline: registered.declaration, version: registered.version, variables: options.var, caller: commandLineCaller() },
      { autoApprove: options.autoApprove, onApproval: (approval, url) => say(`  ${approval.stageName}/${approval.actionName}: waiting for approval: ${url}`) },
      { wait: waiting.signal, abandon: abandoning.signal, feed: installation.bus },
    );
    if (options.json) {
      const { store } = installation.deps;
      const [stages, actions] = await Promise.all([store.listStages(execution.pipelineExecutionId), store.listActions(execution.pipelineExecutionId)]);
      console.log(JSON.stringify({ execution, stages, actions }, null, 2));
    }
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', abandon);
    if (execution.status === 'Succeeded' && afterRun) await afterRun(installation, execution);
    return execution.status === 'Succeeded' ? ExitCode.Ok : ExitCode.Failed;
  } catch (error) {
    if (!(error instanceof BadInputError || error instanceof NotFoundError)) throw error;
    console.error(error.message);
    return ExitCode.BadInput;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', abandon);
    await installation.close();
  }
}

/**
 * Claims the data dir, then loads the modules that run a pipeline while the embedded stack starts
 * in its worker, and opens the installation.
 */
async function openForRun(options: RunLocalOptions, progress: RunProgress, say: (line: string) => void) {
  // The signed S3 endpoint is where a Lambda function run from a handler file reads and writes its artifacts.
  const claimed = await claimDataDir(options.dataDir, 'run', { acceptUploads: true });
  const [{ openLocalInstallation }, { runInForeground }] = await Promise.all([import('../compose/local'), import('../execution/start-on-engine')]);
  const installation = await openLocalInstallation({ claimed, onLog: progress.onLog, serveApi: true, write: say });
  return { installation, runInForeground };
}

/**
 * A run keeps the declaration it ran, as CodePipeline keeps every version: the first run creates
 * the pipeline, and a run of a changed declaration adds a version.
 */
async function registerVersion(operations: SluiceApi, pipeline: PipelineDeclaration): Promise<PipelineVersionRecord | CreatedPipeline> {
  const { version: _ignored, ...declared } = pipeline;
  const current = await operations.getPipeline(pipeline.name).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (!current) return operations.createPipeline(declared);
  const { version: _current, ...registered } = current.declaration;
  return JSON.stringify(registered) === JSON.stringify(declared) ? current : operations.updatePipeline(declared);
}

/** A registered pipeline may use providers that only run on AWS. */
async function refusedLocally(pipeline: PipelineDeclaration, dataDir: string): Promise<string | undefined> {
  const handlerFunctions = [...(await lambdaHandlers(dataDir, process.env)).keys()];
  const options = {
    runtime: 'local' as const,
    rules: ruleCatalog,
    endpoints: awsEndpoints(process.env),
    handlerFunctions,
    homeRegion: localRegion(process.env),
  };
  const validation = await validatePipelineAsking(pipeline, providerCatalog, options, awsCredentialsFound);
  if (validation.ok) return undefined;
  return [`${pipeline.name} cannot run locally:`, ...validation.problems.map((problem) => `  ${problem.path}: ${problem.message}`)].join('\n');
}
