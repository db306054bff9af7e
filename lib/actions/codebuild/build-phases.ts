import { PHASE_NAMES, type Buildspec, type BuildPhase, type PhaseName } from './buildspec';
import type { BuildLog } from './build-log';
import type { CommandOutcome, ShellSession } from './shell-session';

/** Why the phases did not all succeed: the first failure, with what CodeBuild would report. */
export interface PhaseFailure {
  phase: string;
  command: string;
  exitCode?: number;
  message: string;
  /** A command failed; or the shell exited, so nothing more can run; or the build was killed. */
  cause: 'command' | 'shell-exited' | 'killed';
}

/** How the phases ended: their first failure, and whether UPLOAD_ARTIFACTS comes next or FINALIZING does. */
export interface PhasesOutcome {
  failure?: PhaseFailure;
  /** False when a failure sent the build straight to FINALIZING, or the shell is gone. */
  uploadsArtifacts: boolean;
}

/**
 * Runs install, pre_build, build and post_build with CodeBuild's documented phase transitions: a
 * failure in install or pre_build goes straight to FINALIZING; a failure in build goes on to
 * post_build, and one in post_build to UPLOAD_ARTIFACTS. `on-failure: ABORT` goes to FINALIZING
 * after any failing phase, `CONTINUE` goes on to the next phase (the build still fails). A phase's
 * `finally` commands run even when its commands fail.
 */
export class BuildPhases {
  private firstFailure: PhaseFailure | undefined;

  constructor(
    private readonly session: ShellSession,
    private readonly log: BuildLog,
    private readonly buildspec: Buildspec,
  ) {}

  async run(): Promise<PhasesOutcome> {
    for (const name of PHASE_NAMES) {
      const phase = this.buildspec.phases[name];
      if (!phase) continue;
      const label = name.toUpperCase();
      this.log.container(`Entering phase ${label}`);
      if ('runtime-versions' in phase && phase['runtime-versions']) {
        this.log.container('runtime-versions are not installed locally; the tools on PATH are used');
      }
      const failure = await this.runPhase(label, phase);
      if (!failure) {
        this.log.container(`Phase complete: ${label} State: SUCCEEDED`);
        continue;
      }
      if (failure.cause === 'killed') return { failure: this.firstFailure, uploadsArtifacts: false };
      this.log.container(`Phase complete: ${label} State: FAILED`);
      this.log.container(`Phase context status code: COMMAND_EXECUTION_ERROR Message: ${failure.message}`);
      if (phase['on-failure']?.startsWith('RETRY')) this.log.container('on-failure RETRY is not supported locally; the build is not retried');
      if (failure.cause === 'shell-exited' || !continuesAfterFailure(name, phase['on-failure'])) {
        return { failure: this.firstFailure, uploadsArtifacts: false };
      }
    }
    return { failure: this.firstFailure, uploadsArtifacts: true };
  }

  private async runPhase(label: string, phase: BuildPhase): Promise<PhaseFailure | undefined> {
    const failure = await this.runCommands(label, phase.commands);
    if (!phase.finally || (failure && failure.cause !== 'command')) return failure;
    const finallyFailure = await this.runCommands(label, phase.finally);
    // A shell that is gone outweighs a failed command: nothing more can run in it.
    return finallyFailure && finallyFailure.cause !== 'command' ? finallyFailure : (failure ?? finallyFailure);
  }

  private async runCommands(label: string, commands: readonly string[]): Promise<PhaseFailure | undefined> {
    const subshell = this.buildspec.version === '0.1';
    for (const command of commands) {
      this.log.container(`Running command ${command}`);
      const outcome = await this.session.run(command, { subshell });
      if (outcome.kind === 'exited' && outcome.exitCode === 0) continue;
      return this.fail(label, command, outcome);
    }
    return undefined;
  }

  private async fail(phase: string, command: string, outcome: CommandOutcome): Promise<PhaseFailure> {
    const failure: PhaseFailure =
      outcome.kind === 'killed'
        ? { phase, command, message: `The build was killed while running ${command}`, cause: 'killed' }
        : {
            phase,
            command,
            exitCode: outcome.exitCode,
            message:
              outcome.kind === 'exited'
                ? `Error while executing command: ${command}. Reason: exit status ${outcome.exitCode}`
                : `Error while executing command: ${command}. Reason: the shell exited with status ${outcome.exitCode}, so no later command can run`,
            cause: outcome.kind === 'exited' ? 'command' : 'shell-exited',
          };
    if (outcome.kind !== 'killed') this.log.container(`Command did not exit successfully ${command} exit status ${outcome.exitCode}`);
    if (!this.firstFailure && failure.cause === 'command') {
      await this.session.run('export CODEBUILD_BUILD_SUCCEEDING=0', { subshell: false });
    }
    this.firstFailure ??= failure;
    return failure;
  }
}

/** Whether the phase after `phase` (post_build's is UPLOAD_ARTIFACTS) still runs once it failed. */
function continuesAfterFailure(phase: PhaseName, onFailure: string | undefined): boolean {
  if (onFailure === 'CONTINUE') return true;
  if (onFailure === 'ABORT') return false;
  return phase === 'build' || phase === 'post_build';
}
