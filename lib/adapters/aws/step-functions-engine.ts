import { createHash } from 'node:crypto';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  type LoggingConfiguration,
  type SFNClient,
  type TracingConfiguration,
} from '@aws-sdk/client-sfn';
import type { CompiledPipeline, ExecutionInput } from '../../core/compile';
import { STOPPED_ERROR } from '../../core/engine-run-end';
import type { DeployedPipeline, EngineExecutionStatus, PipelineEngine } from '../../ports/engine';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/** Step Functions' longest state machine name. */
const MAX_NAME_LENGTH = 80;
/** StopExecution's longest cause. */
const MAX_CAUSE_LENGTH = 32768;

export interface StepFunctionsEngineOptions extends AccessDeniedOptions {
  /** The role every pipeline's state machine runs as (serverless.yml's PipelineStateMachineRole). */
  roleArn: string;
  /** What a pipeline's name is appended to: `sluice-<stage>-`. */
  namePrefix: string;
  loggingConfiguration?: LoggingConfiguration;
  tracingConfiguration?: TracingConfiguration;
  /**
   * Called with the state machine's ARN after each update has published a version, to delete
   * the old versions no execution uses (StateMachineVersions); a failure there is its own to report.
   */
  pruneVersions?: (stateMachineArn: string) => Promise<void>;
}

/**
 * The state machine name of a pipeline: the prefix and the pipeline's name. CodePipeline allows
 * names of 100 characters and Step Functions 80, so a name too long keeps its start and ends in
 * a hash of the whole, which is as unique and the same on every call.
 */
export function stateMachineName(namePrefix: string, pipelineName: string): string {
  const full = `${namePrefix}${pipelineName}`;
  if (full.length <= MAX_NAME_LENGTH) return full;
  const hash = createHash('sha256').update(pipelineName).digest('hex').slice(0, 12);
  return `${full.slice(0, MAX_NAME_LENGTH - hash.length - 1)}-${hash}`;
}

/**
 * The ARN of a pipeline's state machine, known before it exists: Step Functions passes only a
 * role of its own account, so the role's ARN gives the partition and account.
 */
export function pipelineStateMachineArn(options: Pick<StepFunctionsEngineOptions, 'roleArn' | 'namePrefix'>, region: string, pipelineName: string): string {
  const [, partition, , , account] = options.roleArn.split(':');
  return `arn:${partition}:states:${region}:${account}:stateMachine:${stateMachineName(options.namePrefix, pipelineName)}`;
}

/** The ARN of a pipeline execution's run: the engine names each run after its pipeline execution id. */
export function pipelineExecutionArn(stateMachineArn: string, executionId: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionId}`;
}

/** The page of an execution in the AWS console (of the `aws` partition, where its console lives). */
export function executionConsoleUrl(executionArn: string): string {
  const region = executionArn.split(':')[3];
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/**
 * Stops a pipeline execution's run, as StopPipelineExecution does, and as the task functions do
 * once a stop and wait has no action in progress left; they deploy and start nothing.
 */
export async function stopStateMachineExecution(client: SFNClient, access: AccessDeniedOptions, executionArn: string, cause: string): Promise<void> {
  await withAccessExplained({ action: 'states:StopExecution', resource: executionArn, role: access.roleName }, () =>
    client.send(new StopExecutionCommand({ executionArn, error: STOPPED_ERROR, cause: cause.slice(0, MAX_CAUSE_LENGTH) })),
  );
}

/** Starts a run of an execution on a published version, as `access`'s role: the engine and a step's automatic rollback start them so. */
export async function startStateMachineRun(
  client: SFNClient,
  access: AccessDeniedOptions,
  versionArn: string,
  runName: string,
  input: ExecutionInput,
): Promise<{ executionArn: string }> {
  const { executionArn } = await withAccessExplained({ action: 'states:StartExecution', resource: versionArn, role: access.roleName }, () =>
    client.send(new StartExecutionCommand({ stateMachineArn: versionArn, name: runName, input: JSON.stringify(input) })),
  );
  return { executionArn: executionArn! };
}

/** Runs each pipeline as one Standard state machine, whose published versions its executions start on. */
export class StepFunctionsEngine implements PipelineEngine {
  constructor(
    private readonly client: SFNClient,
    private readonly options: StepFunctionsEngineOptions,
  ) {}

  async deployPipeline(name: string, { definition }: CompiledPipeline): Promise<DeployedPipeline> {
    const stateMachineArn = await this.stateMachineArn(name);
    const settings = {
      definition: JSON.stringify(definition),
      roleArn: this.options.roleArn,
      loggingConfiguration: this.options.loggingConfiguration,
      tracingConfiguration: this.options.tracingConfiguration,
      publish: true,
    };
    // Updating first takes over a state machine that a deleted pipeline of the same name left behind.
    try {
      const updated = await this.explained('states:UpdateStateMachine', stateMachineArn, this.passRoleHint(), () =>
        this.client.send(new UpdateStateMachineCommand({ stateMachineArn, ...settings })),
      );
      const versionArn = published(updated.stateMachineVersionArn, stateMachineArn);
      await this.options.pruneVersions?.(stateMachineArn);
      return { stateMachineArn, versionArn };
    } catch (error) {
      if (!(error instanceof StateMachineDoesNotExist)) throw error;
    }
    const created = await this.explained('states:CreateStateMachine', stateMachineArn, this.passRoleHint(), () =>
      this.client.send(new CreateStateMachineCommand({ name: this.name(name), type: 'STANDARD', ...settings })),
    );
    return { stateMachineArn: created.stateMachineArn!, versionArn: published(created.stateMachineVersionArn, stateMachineArn) };
  }

  async deletePipeline(name: string): Promise<void> {
    const stateMachineArn = await this.stateMachineArn(name);
    await this.explained('states:DeleteStateMachine', stateMachineArn, undefined, () => this.client.send(new DeleteStateMachineCommand({ stateMachineArn })));
  }

  startExecution(versionArn: string, runName: string, input: ExecutionInput): Promise<{ executionArn: string }> {
    return startStateMachineRun(this.client, this.options, versionArn, runName, input);
  }

  stopExecution(executionArn: string, cause: string): Promise<void> {
    return stopStateMachineExecution(this.client, this.options, executionArn, cause);
  }

  /** DescribeExecution's status, as the reconciler reads it from Step Functions' status change events. */
  async describeExecution(executionArn: string): Promise<EngineExecutionStatus> {
    const { status, error, cause } = await this.explained('states:DescribeExecution', executionArn, undefined, () =>
      this.client.send(new DescribeExecutionCommand({ executionArn })),
    );
    switch (status) {
      case 'SUCCEEDED':
        return { status: 'Succeeded' };
      case 'ABORTED':
        return { status: 'Stopped' };
      case 'FAILED':
      case 'TIMED_OUT':
        return { status: 'Failed', error: error ?? status, cause: cause ?? '' };
      default:
        // RUNNING, and PENDING_REDRIVE: a failed execution that a redrive is about to run again.
        return { status: 'Running' };
    }
  }

  private name(pipelineName: string): string {
    return stateMachineName(this.options.namePrefix, pipelineName);
  }

  private async stateMachineArn(pipelineName: string): Promise<string> {
    return pipelineStateMachineArn(this.options, await this.client.config.region(), pipelineName);
  }

  /** Giving a state machine its role is itself a permission, which the same AccessDenied may be about. */
  private passRoleHint(): string {
    return `Creating or updating a state machine also needs "iam:PassRole" on "${this.options.roleArn}".`;
  }

  private explained<T>(action: string, resource: string, hint: string | undefined, call: () => Promise<T>): Promise<T> {
    return withAccessExplained({ action, resource, role: this.options.roleName, hint }, call);
  }
}

/** With `publish: true`, Step Functions always answers with the version it published. */
function published(versionArn: string | undefined, stateMachineArn: string): string {
  if (!versionArn) throw new Error(`Step Functions published no version of ${stateMachineArn}, although it was asked to.`);
  return versionArn;
}
