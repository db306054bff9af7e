import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Capability, CloudFormationClient, Stack } from '@aws-sdk/client-cloudformation';
import { BadInputError } from '../core/errors';
import type { ConfigurationProblem, ProviderSpec } from '../core/providers';
import { awsClientFor, storeOutputArtifact, type ActionContext, type ActionInProgress, type ActionOutcome, type ActionProvider } from './action-provider';
import { InputArtifacts, parameterOverridesProblem, referenceProblem, stackInputs } from './cloudformation/inputs';
import { pollingCost, secondsBeforeLook } from './polling';

const ACTION_MODES = ['CREATE_UPDATE', 'DELETE_ONLY', 'REPLACE_ON_FAILURE', 'CHANGE_SET_REPLACE', 'CHANGE_SET_EXECUTE'] as const;
type ActionMode = (typeof ACTION_MODES)[number];
const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'];
/** The modes that send a template, and so need TemplatePath. */
const TEMPLATE_MODES: readonly string[] = ['CREATE_UPDATE', 'REPLACE_ON_FAILURE', 'CHANGE_SET_REPLACE'];
/** The stack states that REPLACE_ON_FAILURE replaces rather than updates, as CodePipeline lists them. */
const FAILED_STATES = ['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'CREATE_FAILED', 'DELETE_FAILED', 'UPDATE_ROLLBACK_FAILED'];
const DONE_STATES = ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE', 'DELETE_COMPLETE'];

/**
 * What a later run looks at: the stack an operation is under way on (and, for REPLACE_ON_FAILURE,
 * whether to create it again once deleted), or a change set being created.
 */
type Waiting = { stackId: string; recreate?: boolean; polls: number } | { changeSetId: string; polls: number };

function modeOf(configuration: Readonly<Record<string, string>>): ActionMode {
  const mode = configuration.ActionMode as ActionMode;
  if (!ACTION_MODES.includes(mode)) throw new BadInputError(`ActionMode must be one of ${ACTION_MODES.join(', ')}, not "${configuration.ActionMode}".`);
  return mode;
}

function checkConfiguration(configuration: Readonly<Record<string, string>>): ConfigurationProblem[] {
  const problems: ConfigurationProblem[] = [];
  const mode = configuration.ActionMode;
  if (mode !== undefined && !mode.includes('#{')) {
    if (!(ACTION_MODES as readonly string[]).includes(mode))
      problems.push({ key: 'ActionMode', message: `ActionMode must be one of ${ACTION_MODES.join(', ')}, not "${mode}".` });
    if (mode.startsWith('CHANGE_SET') && !configuration.ChangeSetName)
      problems.push({ key: 'ChangeSetName', message: `ChangeSetName is required in ${mode} mode.` });
    if (TEMPLATE_MODES.includes(mode) && !configuration.TemplatePath)
      problems.push({ key: 'TemplatePath', message: `TemplatePath is required in ${mode} mode.` });
  }
  for (const key of ['TemplatePath', 'TemplateConfiguration']) {
    const message = referenceProblem(key, configuration[key]);
    if (message) problems.push({ key, message });
  }
  const overrides = parameterOverridesProblem(configuration.ParameterOverrides);
  if (overrides) problems.push({ key: 'ParameterOverrides', message: overrides });
  const capabilities = configuration.Capabilities;
  if (capabilities !== undefined && !capabilities.includes('#{')) {
    const unknown = capabilitiesOf(capabilities).filter((capability) => !CAPABILITIES.includes(capability));
    if (unknown.length > 0) problems.push({ key: 'Capabilities', message: `Capabilities are ${CAPABILITIES.join(', ')}, not ${unknown.join(', ')}.` });
  }
  return problems;
}

function capabilitiesOf(text: string | undefined): Capability[] {
  return (text ?? '')
    .split(',')
    .map((capability) => capability.trim())
    .filter(Boolean) as Capability[];
}

function inProgress(waiting: Waiting): ActionInProgress {
  return { inProgress: { state: JSON.stringify(waiting), afterSeconds: secondsBeforeLook(waiting.polls) } };
}

/** What CloudFormation answers when a stack or change set would change nothing, which CodePipeline counts as success. */
function changesNothing(message: string | undefined): boolean {
  return /No updates are to be performed|didn't contain changes/.test(message ?? '');
}

function isMissingStack(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message);
}

/**
 * A call that CloudFormation refused (a bad template, a resource it cannot create, a stack in a
 * state that does not allow it) fails the action with CloudFormation's reason.
 */
async function refusedAsBadInput<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== undefined && status >= 400 && status < 500) throw new BadInputError(`${what}: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}

class StackAction {
  private readonly configuration: Readonly<Record<string, string>>;
  private readonly stackName: string;

  constructor(
    private readonly context: ActionContext,
    private readonly sdk: typeof import('@aws-sdk/client-cloudformation'),
    private readonly client: CloudFormationClient,
  ) {
    this.configuration = context.action.configuration ?? {};
    this.stackName = this.configuration.StackName!;
  }

  /** The first run: starts the mode's operation, or ends at once where there is nothing to wait for. */
  async start(): Promise<ActionOutcome | ActionInProgress> {
    const mode = modeOf(this.configuration);
    if (this.configuration.OutputFileName && !this.context.action.outputArtifacts?.length) {
      throw new BadInputError(`OutputFileName ${this.configuration.OutputFileName} needs an output artifact to hold it; the action declares none.`);
    }
    const stack = await this.describe(this.stackName);
    switch (mode) {
      case 'DELETE_ONLY':
        return stack ? this.delete(stack, false) : this.finish(undefined, `Stack ${this.stackName} does not exist; nothing to delete.`);
      case 'REPLACE_ON_FAILURE':
        if (stack && FAILED_STATES.includes(stack.StackStatus!)) {
          this.context.log(`Stack ${this.stackName} is ${stack.StackStatus}: deleting it, to create it again.\n`);
          return this.delete(stack, true);
        }
        return this.createOrUpdate(stack);
      case 'CREATE_UPDATE':
        return this.createOrUpdate(stack);
      case 'CHANGE_SET_REPLACE':
        return this.replaceChangeSet(stack);
      case 'CHANGE_SET_EXECUTE':
        return this.executeChangeSet();
    }
  }

  /** A later run: looks at what the last one started. */
  async poll(waiting: Waiting): Promise<ActionOutcome | ActionInProgress> {
    const next = { ...waiting, polls: waiting.polls + 1 };
    if ('changeSetId' in waiting) {
      const changeSet = await this.client.send(new this.sdk.DescribeChangeSetCommand({ ChangeSetName: waiting.changeSetId }));
      if (changeSet.Status === 'CREATE_PENDING' || changeSet.Status === 'CREATE_IN_PROGRESS') return inProgress(next);
      if (changeSet.Status === 'FAILED' && !changesNothing(changeSet.StatusReason)) {
        throw new BadInputError(
          `Change set ${changeSet.ChangeSetName} of stack ${this.stackName} failed: ${changeSet.StatusReason ?? 'CloudFormation gave no reason'}`,
        );
      }
      const summary =
        changeSet.Status === 'FAILED' ? `Change set ${changeSet.ChangeSetName} would change nothing.` : `Change set ${changeSet.ChangeSetName} is ready.`;
      return this.finish(await this.describe(this.stackName), summary);
    }
    const stack = await this.describe(waiting.stackId);
    const status = stack?.StackStatus ?? 'DELETE_COMPLETE';
    if (status.endsWith('_IN_PROGRESS')) return inProgress(next);
    if (!DONE_STATES.includes(status)) throw new BadInputError(await this.failureReason(stack!));
    if (status === 'DELETE_COMPLETE') {
      if (waiting.recreate) return this.createOrUpdate(undefined);
      return this.finish(undefined, `Stack ${this.stackName} deleted.`);
    }
    return this.finish(stack, `Stack ${this.stackName}: ${status}.`);
  }

  private async describe(stackName: string): Promise<Stack | undefined> {
    try {
      return (await this.client.send(new this.sdk.DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    } catch (error) {
      if (isMissingStack(error)) return undefined;
      throw error;
    }
  }

  private async delete(stack: Stack, recreate: boolean): Promise<ActionInProgress> {
    const roleArn = this.configuration.RoleArn;
    await refusedAsBadInput(`DeleteStack ${this.stackName}`, () =>
      this.client.send(new this.sdk.DeleteStackCommand({ StackName: stack.StackId!, ...(roleArn ? { RoleARN: roleArn } : {}) })),
    );
    this.context.log(`Deleting stack ${this.stackName}.\n`);
    return inProgress({ stackId: stack.StackId!, ...(recreate ? { recreate } : {}), polls: 0 });
  }

  /** What CreateStack, UpdateStack and CreateChangeSet share: the template, parameters, tags, capabilities and role. */
  private async operationInput() {
    const region = await this.client.config.region();
    const inputs = await stackInputs(this.configuration, new InputArtifacts(this.context), region);
    const capabilities = capabilitiesOf(this.configuration.Capabilities);
    const roleArn = this.configuration.RoleArn;
    return {
      input: {
        StackName: this.stackName,
        TemplateBody: inputs.templateBody,
        Parameters: inputs.parameters,
        ...(inputs.tags.length > 0 ? { Tags: inputs.tags } : {}),
        ...(capabilities.length > 0 ? { Capabilities: capabilities } : {}),
        ...(roleArn ? { RoleARN: roleArn } : {}),
      },
      stackPolicyBody: inputs.stackPolicyBody,
    };
  }

  /** CREATE_UPDATE, and REPLACE_ON_FAILURE on a stack that has not failed (or is gone). */
  private async createOrUpdate(stack: Stack | undefined): Promise<ActionOutcome | ActionInProgress> {
    const { input, stackPolicyBody } = await this.operationInput();
    const policy = stackPolicyBody ? { StackPolicyBody: stackPolicyBody } : {};
    if (!stack || stack.StackStatus === 'REVIEW_IN_PROGRESS') {
      const created = await refusedAsBadInput(`CreateStack ${this.stackName}`, () =>
        this.client.send(new this.sdk.CreateStackCommand({ ...input, ...policy })),
      );
      this.context.log(`Creating stack ${this.stackName}.\n`);
      return inProgress({ stackId: created.StackId!, polls: 0 });
    }
    const updating = await refusedAsBadInput(`UpdateStack ${this.stackName}`, async () => {
      try {
        await this.client.send(new this.sdk.UpdateStackCommand({ ...input, ...policy }));
        return true;
      } catch (error) {
        if (error instanceof Error && changesNothing(error.message)) return false;
        throw error;
      }
    });
    if (!updating) return this.finish(stack, `Stack ${this.stackName} is up to date: no updates are to be performed.`);
    this.context.log(`Updating stack ${this.stackName}.\n`);
    return inProgress({ stackId: stack.StackId!, polls: 0 });
  }

  /** CHANGE_SET_REPLACE: a change set of that name is deleted, and a new one created from the template. */
  private async replaceChangeSet(stack: Stack | undefined): Promise<ActionInProgress> {
    const changeSetName = this.configuration.ChangeSetName!;
    const created = !stack || stack.StackStatus === 'REVIEW_IN_PROGRESS';
    if (stack) {
      const existing = await this.client.send(new this.sdk.ListChangeSetsCommand({ StackName: stack.StackId! }));
      if (existing.Summaries?.some((summary) => summary.ChangeSetName === changeSetName)) {
        await this.client.send(new this.sdk.DeleteChangeSetCommand({ StackName: stack.StackId!, ChangeSetName: changeSetName }));
        this.context.log(`Deleted change set ${changeSetName}.\n`);
      }
    }
    const { input } = await this.operationInput();
    const changeSet = await refusedAsBadInput(`CreateChangeSet ${changeSetName}`, () =>
      this.client.send(new this.sdk.CreateChangeSetCommand({ ...input, ChangeSetName: changeSetName, ChangeSetType: created ? 'CREATE' : 'UPDATE' })),
    );
    this.context.log(`Creating change set ${changeSetName} of stack ${this.stackName}.\n`);
    return inProgress({ changeSetId: changeSet.Id!, polls: 0 });
  }

  /** CHANGE_SET_EXECUTE: a change set that would change nothing ends the action at once, as in CodePipeline. */
  private async executeChangeSet(): Promise<ActionOutcome | ActionInProgress> {
    const changeSetName = this.configuration.ChangeSetName!;
    const changeSet = await refusedAsBadInput(`DescribeChangeSet ${changeSetName}`, () =>
      this.client.send(new this.sdk.DescribeChangeSetCommand({ StackName: this.stackName, ChangeSetName: changeSetName })),
    );
    if (changeSet.Status === 'FAILED' && changesNothing(changeSet.StatusReason)) {
      return this.finish(await this.describe(this.stackName), `Change set ${changeSetName} changes nothing.`);
    }
    await refusedAsBadInput(`ExecuteChangeSet ${changeSetName}`, () =>
      this.client.send(new this.sdk.ExecuteChangeSetCommand({ StackName: this.stackName, ChangeSetName: changeSetName })),
    );
    this.context.log(`Executing change set ${changeSetName} of stack ${this.stackName}.\n`);
    return inProgress({ stackId: changeSet.StackId!, polls: 0 });
  }

  /**
   * Why the stack's last operation failed: the first FAILED event since that operation began (the
   * stack's own "User Initiated" event), which names the resource that failed and why.
   */
  private async failureReason(stack: Stack): Promise<string> {
    const failed: { resource: string; status: string; reason: string }[] = [];
    let nextToken: string | undefined;
    scan: do {
      const page = await this.client.send(new this.sdk.DescribeStackEventsCommand({ StackName: stack.StackId!, NextToken: nextToken }));
      for (const event of page.StackEvents ?? []) {
        if (event.ResourceStatus?.endsWith('FAILED') && event.ResourceStatusReason) {
          failed.push({ resource: event.LogicalResourceId ?? '', status: event.ResourceStatus, reason: event.ResourceStatusReason });
        }
        if (event.PhysicalResourceId === stack.StackId && event.ResourceStatusReason === 'User Initiated') break scan;
      }
      nextToken = page.NextToken;
    } while (nextToken);
    const first = failed.at(-1);
    const why = first ? `${first.resource} ${first.status}: ${first.reason}` : (stack.StackStatusReason ?? 'CloudFormation gave no reason');
    return `Stack ${this.stackName} ended ${stack.StackStatus}. ${why}`;
  }

  /** The stack's outputs as output variables, and in OutputFileName of the output artifact, where the action has one. */
  private async finish(stack: Stack | undefined, summary: string): Promise<ActionOutcome> {
    const outputs = Object.fromEntries((stack?.Outputs ?? []).map((output) => [output.OutputKey!, output.OutputValue ?? '']));
    this.context.log(`${summary}\n`);
    const outputArtifacts = [];
    if (this.context.action.outputArtifacts?.length) {
      const directory = path.join(this.context.workspace, 'output');
      await mkdir(directory, { recursive: true });
      const outputFileName = this.configuration.OutputFileName;
      if (outputFileName) await writeFile(path.join(directory, outputFileName), JSON.stringify(outputs, null, 2));
      outputArtifacts.push(await storeOutputArtifact(this.context, directory));
    }
    return { outputArtifacts, outputVariables: outputs, summary, ...(stack?.StackId ? { externalExecutionId: stack.StackId } : {}) };
  }
}

export const cloudFormationSpec: ProviderSpec = {
  category: 'Deploy',
  owner: 'AWS',
  provider: 'CloudFormation',
  version: '1',
  description: 'Creates, updates or deletes a CloudFormation stack or change set.',
  configuration: [
    { name: 'ActionMode', required: true, description: 'CREATE_UPDATE, DELETE_ONLY, REPLACE_ON_FAILURE, CHANGE_SET_REPLACE or CHANGE_SET_EXECUTE.' },
    { name: 'StackName', required: true, description: 'The stack.' },
    { name: 'Capabilities', required: false, description: 'CAPABILITY_IAM, CAPABILITY_NAMED_IAM, CAPABILITY_AUTO_EXPAND, comma-separated.' },
    { name: 'ChangeSetName', required: false, description: 'The change set, for the CHANGE_SET modes.' },
    { name: 'TemplatePath', required: false, description: 'ArtifactName::path of the template.' },
    { name: 'TemplateConfiguration', required: false, description: 'ArtifactName::path of a template configuration file.' },
    { name: 'ParameterOverrides', required: false, description: 'A JSON object of parameter values.' },
    { name: 'RoleArn', required: false, description: 'The role CloudFormation assumes.' },
    { name: 'OutputFileName', required: false, description: 'A file in the output artifact that receives the stack outputs.' },
  ],
  inputArtifacts: { min: 0, max: 10 },
  outputArtifacts: { min: 0, max: 1 },
  outputVariables: 'open',
  runtimes: ['aws', 'local'],
  awsServices: ['cloudformation'],
  integration: 'polling',
  // A stack's create or update, change set included, typically takes a few minutes.
  cost: pollingCost({ runnerMs: 3000, lookMs: 500, typicalMinutes: 3 }),
  checkConfiguration,
  iam: [
    {
      actions: [
        'cloudformation:DescribeStacks',
        'cloudformation:DescribeStackEvents',
        'cloudformation:CreateStack',
        'cloudformation:UpdateStack',
        'cloudformation:DeleteStack',
        'cloudformation:ListChangeSets',
        'cloudformation:CreateChangeSet',
        'cloudformation:DescribeChangeSet',
        'cloudformation:DeleteChangeSet',
        'cloudformation:ExecuteChangeSet',
      ],
      // Any region: an action's `region` places its stack there.
      resources: ['arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/*'],
    },
    // A template with a Transform (SAM, AWS::Include) is expanded through AWS's own transforms.
    { actions: ['cloudformation:CreateChangeSet'], resources: ['arn:${AWS::Partition}:cloudformation:*:aws:transform/*'] },
    // RoleArn: the role CloudFormation deploys as, passed to CloudFormation only (serverless.yml's condition).
    { actions: ['iam:PassRole'], resources: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*'] },
  ],
};

/**
 * Runs a CloudFormation action: the first run starts the stack or change set operation, and
 * later runs (with the first's state as `continuation`) look at it until it is done.
 */
export const cloudFormation: ActionProvider<ActionOutcome | ActionInProgress> = {
  spec: cloudFormationSpec,

  /**
   * The first run starts the stack or change set operation; later runs (with the first's state as
   * `continuation`) look at it until it is done.
   */
  async run(context) {
    const sdk = await import('@aws-sdk/client-cloudformation');
    const action = new StackAction(context, sdk, awsClientFor(context, sdk.CloudFormationClient));
    return context.continuation ? action.poll(JSON.parse(context.continuation) as Waiting) : action.start();
  },
};
