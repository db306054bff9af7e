import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError } from '../core/errors';
import type { ConfigurationProblem, ProviderSpec } from '../core/providers';
import type { ArtifactLocation } from '../core/task-payloads';
import { awsClientFor, storeOutputArtifact, type ActionContext, type ActionInProgress, type ActionOutcome, type ActionProvider } from './action-provider';
import { readInputFile } from './input-file';
import { continued, lookAgain, type PollingState, pollingCost } from './polling';

/** The file of the output artifact that holds the execution's output; CodePipeline's documentation names none. */
export const EXECUTION_OUTPUT_FILE = 'output.json';

const INPUT_TYPES = ['Literal', 'FilePath'];

interface Started extends PollingState {
  executionArn: string;
}

function checkConfiguration({ InputType: inputType = 'Literal', Input: input }: Readonly<Record<string, string>>): ConfigurationProblem[] {
  if (inputType.includes('#{')) return [];
  if (!INPUT_TYPES.includes(inputType)) return [{ key: 'InputType', message: `InputType must be Literal or FilePath, not "${inputType}".` }];
  if (inputType === 'FilePath' && !input)
    return [{ key: 'Input', message: 'Input is required when InputType is FilePath: it names the file of the input artifact.' }];
  return [];
}

/** The execution's input: the Input text, `{}` without one, or the file of the input artifact that Input names. */
async function executionInput(context: ActionContext): Promise<string> {
  const { InputType: inputType = 'Literal', Input: input } = context.action.configuration ?? {};
  const problem = checkConfiguration({ InputType: inputType, ...(input === undefined ? {} : { Input: input }) })[0];
  if (problem) throw new BadInputError(problem.message);
  if (inputType === 'FilePath') return readInputFile(context, input!, 'Input');
  return input ?? '{}';
}

export const stepFunctionsInvokeSpec: ProviderSpec = {
  category: 'Invoke',
  owner: 'AWS',
  provider: 'StepFunctions',
  version: '1',
  description: 'Starts a Step Functions state machine and waits for it to finish.',
  configuration: [
    { name: 'StateMachineArn', required: true, description: 'The state machine to start.' },
    { name: 'ExecutionNamePrefix', required: false, description: 'A prefix for the execution name, before a hyphen and a unique id.' },
    { name: 'InputType', required: false, description: 'Literal (default) or FilePath.' },
    { name: 'Input', required: false, description: 'The input: JSON text ({} when not given), or with FilePath the path of a file in the input artifact.' },
  ],
  inputArtifacts: { min: 0, max: 1 },
  outputArtifacts: { min: 0, max: 1 },
  outputVariables: ['ExecutionArn', 'StateMachineArn'],
  runtimes: ['aws', 'local'],
  awsServices: ['sfn'],
  integration: 'polling',
  cost: pollingCost({ runnerMs: 2000, lookMs: 500, typicalMinutes: 1 }),
  iam: [
    {
      actions: ['states:StartExecution', 'states:DescribeStateMachine'],
      resources: ['arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:*'],
    },
    { actions: ['states:DescribeExecution'], resources: ['arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:*'] },
  ],
  checkConfiguration,
};

export const stepFunctionsInvoke: ActionProvider<ActionOutcome | ActionInProgress> = {
  spec: stepFunctionsInvokeSpec,

  async run(context): Promise<ActionOutcome | ActionInProgress> {
    const { SFNClient, StartExecutionCommand, DescribeExecutionCommand, DescribeStateMachineCommand } = await import('@aws-sdk/client-sfn');
    const sfn = awsClientFor(context, SFNClient);
    const configuration = context.action.configuration ?? {};
    const stateMachineArn = configuration.StateMachineArn!;
    let state = continued<Started>(context);
    if (!state) {
      const { type } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
      const express = type === 'EXPRESS';
      if (express && context.action.outputArtifacts?.length) {
        throw new BadInputError(`${stateMachineArn} is an Express state machine, whose output an action cannot wait for: it can have no output artifact.`);
      }
      const id = randomUUID();
      const name = configuration.ExecutionNamePrefix ? `${configuration.ExecutionNamePrefix}-${id}` : id;
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: await executionInput(context) }));
      context.log(`Started execution ${name} of ${stateMachineArn}.\n`);
      // As CodePipeline does, an Express execution is not waited for: its action succeeds once it started.
      if (express) return { outputArtifacts: [], outputVariables: { StateMachineArn: stateMachineArn }, summary: `Started ${name}` };
      state = { executionArn: executionArn!, polls: 0 };
    }
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: state.executionArn }));
    if (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE') return lookAgain(state);
    if (execution.status !== 'SUCCEEDED') {
      const reason = [execution.error, execution.cause].filter(Boolean).join(': ');
      throw new BadInputError(`The execution ${execution.name} ended ${execution.status}${reason ? `: ${reason}` : ''}.`);
    }
    context.log(`Execution ${execution.name} succeeded.\n`);
    const outputArtifacts: ArtifactLocation[] = [];
    if (context.action.outputArtifacts?.length) {
      const directory = path.join(context.workspace, 'output');
      await mkdir(directory, { recursive: true });
      await writeFile(path.join(directory, EXECUTION_OUTPUT_FILE), execution.output ?? '');
      outputArtifacts.push(await storeOutputArtifact(context, directory));
    }
    return {
      outputArtifacts,
      outputVariables: { StateMachineArn: stateMachineArn, ExecutionArn: state.executionArn },
      summary: `Execution ${execution.name} succeeded`,
      externalExecutionId: state.executionArn,
    };
  },
};
