import { openLocalInstallation, type LocalInstallation } from '../compose/local';
import { runPipelineLocally } from '../compose/local-runner';
import { BadInputError, SluiceError } from '../core/errors';
import type { PipelineExecutionRecord } from '../ports/execution-store';
import { ExitCode } from './exit-codes';
import type { LocalOptions } from './local-options';
import { formatProblems, loadPipelineFile } from './pipeline-file';
import { RunProgress } from './progress';

export interface RunLocalOptions extends LocalOptions {
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

/**
 * `sluice run`: validates and runs one pipeline file on the local installation, with live
 * progress and Ctrl-C to stop. `afterRun` may keep using the installation before it closes.
 */
export async function runLocal(
  file: string,
  options: RunLocalOptions,
  afterRun?: (installation: LocalInstallation, execution: PipelineExecutionRecord) => Promise<void>,
): Promise<ExitCode> {
  const loaded = await loadPipelineFile(file, 'local');
  if (!loaded.ok) {
    console.error(formatProblems(file, loaded.problems));
    console.error('Nothing was run.');
    return ExitCode.BadInput;
  }
  const say = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);
  const progress = new RunProgress(say, { showLogs: !options.quiet && !options.json });
  let installation: LocalInstallation;
  try {
    installation = await openLocalInstallation({ dataDir: options.dataDir, command: 'run', onLog: progress.onLog });
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    console.error(error.message);
    return ExitCode.Failed;
  }
  const stopping = new AbortController();
  const onInterrupt = () => {
    say('Stopping: abandoning the running actions...');
    stopping.abort();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  installation.bus.subscribe(progress.onEvent);
  try {
    const execution = await runPipelineLocally(installation.deps, loaded.pipeline, {
      variables: options.var,
      autoApprove: options.autoApprove,
      signal: stopping.signal,
    });
    if (options.json) {
      const { store } = installation.deps;
      const [stages, actions] = await Promise.all([store.listStages(execution.pipelineExecutionId), store.listActions(execution.pipelineExecutionId)]);
      console.log(JSON.stringify({ execution, stages, actions }, null, 2));
    }
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    if (execution.status === 'Succeeded' && afterRun) await afterRun(installation, execution);
    return execution.status === 'Succeeded' ? ExitCode.Ok : ExitCode.Failed;
  } catch (error) {
    if (!(error instanceof BadInputError)) throw error;
    console.error(error.message);
    return ExitCode.BadInput;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await installation.close();
  }
}
