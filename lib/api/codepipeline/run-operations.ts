import type {
  ActionType,
  ActionTypeDeclaration,
  ActionTypeUrls,
  CreatePipelineInput,
  CreatePipelineOutput,
  GetActionTypeInput,
  GetActionTypeOutput,
  ListActionTypesInput,
  ListActionTypesOutput,
  ListTagsForResourceInput,
  ListTagsForResourceOutput,
  ListWebhookItem,
  ListWebhooksInput,
  ListWebhooksOutput,
  PipelineDeclaration as WirePipelineDeclaration,
  PutWebhookInput,
  PutWebhookOutput,
  StartPipelineExecutionInput,
  StartPipelineExecutionOutput,
  StopPipelineExecutionInput,
  StopPipelineExecutionOutput,
  TagResourceInput,
  TagResourceOutput,
  UntagResourceInput,
  UntagResourceOutput,
} from '@aws-sdk/client-codepipeline';
import type { ActionTypeId, PipelineDeclaration } from '../../core/declaration';
import type { ActionTypeDescription } from '../../operations/action-types';
import { InvalidNextTokenError, ValidationError } from '../../core/errors';
import type { SluiceApi } from '../../operations/sluice-api';
import type { Tag } from '../../ports/execution-store';
import { inputMembers } from './input-members';

/** A list answered in pages of at most `maxResults` (CodePipeline's MaxResults: 1 to 100), from `nextToken` on. */
function page<T>(items: T[], nextToken: string | undefined, maxResults: number | undefined, defaultSize = 100): { items: T[]; nextToken?: string } {
  if (maxResults !== undefined && !(Number.isInteger(maxResults) && maxResults >= 1 && maxResults <= 100)) {
    throw new ValidationError('maxResults must be a whole number from 1 to 100.');
  }
  let start = 0;
  if (nextToken !== undefined) {
    start = /^\d+$/.test(nextToken) ? Number(nextToken) : NaN;
    if (!(start > 0 && start < items.length))
      throw new InvalidNextTokenError('The nextToken was not given by an earlier answer of this list, or the list has changed since.');
  }
  const end = start + (maxResults ?? defaultSize);
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: String(end) } : {}) };
}

/**
 * The model's tags: each a structure, its key and value strings where given. The operation checks
 * their text and refuses a missing key or value, with InvalidTagsException as CodePipeline does.
 */
const tagsOf = (tags: unknown[] | undefined): Tag[] =>
  (tags ?? []).map((tag, index) => {
    const where = `tags[${index}]`;
    if (typeof tag !== 'object' || tag === null || Array.isArray(tag)) throw new ValidationError(`${where} must be a structure {key, value}.`);
    const members = inputMembers(tag, where);
    return { key: members.optionalString('key')!, value: members.optionalString('value')! };
  });

/** PipelineVariable list to the name -> value map the API takes; a name given twice is refused. */
function variablesOf(variables: StartPipelineExecutionInput['variables']): Record<string, string> {
  const values: Record<string, string> = {};
  for (const { name, value } of variables ?? []) {
    if (name! in values) throw new ValidationError(`variables: ${name} is given twice.`);
    values[name!] = value!;
  }
  return values;
}

/** An action type in the model's ActionType shape, as ListActionTypes and CreateCustomActionType answer. */
export function wireActionType(type: ActionTypeDescription): ActionType {
  return {
    id: type.id,
    ...(type.settings ? { settings: type.settings } : {}),
    actionConfigurationProperties: type.configurationProperties,
    inputArtifactDetails: type.inputArtifactDetails,
    outputArtifactDetails: type.outputArtifactDetails,
  };
}

/**
 * GetActionType's declaration of a type Sluice runs. Its executor is Sluice's own: the action
 * runner (a Lambda function on AWS, this process locally) for its providers, a job worker for
 * custom types.
 */
function wireActionTypeDeclaration(type: ActionTypeDescription): ActionTypeDeclaration {
  return {
    ...(type.description ? { description: type.description.slice(0, 1024) } : {}),
    executor: { type: 'JobWorker', configuration: { jobWorkerExecutorConfiguration: {} } },
    id: type.id,
    inputArtifactDetails: type.inputArtifactDetails,
    outputArtifactDetails: type.outputArtifactDetails,
    properties: type.configurationProperties.map((property) => ({
      name: property.name,
      optional: !property.required,
      key: property.key,
      noEcho: property.secret,
      ...(property.queryable !== undefined ? { queryable: property.queryable } : {}),
      ...(property.description ? { description: property.description } : {}),
    })),
    ...(type.settings ? { urls: actionTypeUrls(type.settings) } : {}),
  };
}

/** A custom type's settings as ActionTypeDeclaration's urls, which name the configuration URL configurationUrl. */
function actionTypeUrls({ thirdPartyConfigurationUrl, ...templates }: NonNullable<ActionTypeDescription['settings']>): ActionTypeUrls {
  return { ...(thirdPartyConfigurationUrl ? { configurationUrl: thirdPartyConfigurationUrl } : {}), ...templates };
}

/** The CodePipeline operations of pipelines' lifecycle, runs, tags, action types and webhooks, over the SluiceApi. */
export const RUN_OPERATIONS = {
  CreatePipeline: async (api: SluiceApi, input: CreatePipelineInput): Promise<CreatePipelineOutput> => {
    const created = await api.createPipeline(input.pipeline as unknown as PipelineDeclaration, tagsOf(inputMembers(input).optionalList('tags')));
    return { pipeline: created.declaration as unknown as WirePipelineDeclaration, tags: created.tags };
  },

  StartPipelineExecution: async (api: SluiceApi, input: StartPipelineExecutionInput): Promise<StartPipelineExecutionOutput> =>
    api.startPipelineExecution(input.name!, variablesOf(input.variables), {
      ...(input.sourceRevisions ? { sourceRevisions: input.sourceRevisions as { actionName: string; revisionType: string; revisionValue: string }[] } : {}),
      ...(input.clientRequestToken !== undefined ? { clientRequestToken: input.clientRequestToken } : {}),
    }),

  StopPipelineExecution: async (api: SluiceApi, input: StopPipelineExecutionInput): Promise<StopPipelineExecutionOutput> =>
    api.stopPipelineExecution({
      pipelineName: input.pipelineName!,
      pipelineExecutionId: input.pipelineExecutionId!,
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.abandon ? { abandon: true } : {}),
    }),

  TagResource: async (api: SluiceApi, input: TagResourceInput): Promise<TagResourceOutput> => {
    const members = inputMembers(input);
    await api.tagResource(members.string('resourceArn'), tagsOf(members.list('tags')));
    return {};
  },

  UntagResource: async (api: SluiceApi, input: UntagResourceInput): Promise<UntagResourceOutput> => {
    const members = inputMembers(input);
    await api.untagResource(members.string('resourceArn'), members.stringList('tagKeys'));
    return {};
  },

  ListTagsForResource: async (api: SluiceApi, input: ListTagsForResourceInput): Promise<ListTagsForResourceOutput> => {
    const resourceArn = inputMembers(input).string('resourceArn');
    const { items, nextToken } = page(await api.listTagsForResource(resourceArn), input.nextToken, input.maxResults);
    return { tags: items, ...(nextToken ? { nextToken } : {}) };
  },

  ListActionTypes: async (api: SluiceApi, input: ListActionTypesInput): Promise<ListActionTypesOutput> => {
    // Every type Sluice runs is offered in every Region, so regionFilter keeps them all.
    const { items, nextToken } = page(await api.listActionTypes(input.actionOwnerFilter), input.nextToken, undefined);
    return { actionTypes: items.map(wireActionType), ...(nextToken ? { nextToken } : {}) };
  },

  GetActionType: async (api: SluiceApi, input: GetActionTypeInput): Promise<GetActionTypeOutput> => ({
    actionType: wireActionTypeDeclaration(await api.getActionType(input as ActionTypeId)),
  }),

  ListWebhooks: async (api: SluiceApi, input: ListWebhooksInput): Promise<ListWebhooksOutput> => {
    const { items, nextToken } = page(await api.listWebhooks(), input.NextToken, input.MaxResults);
    const webhooks: ListWebhookItem[] = items.map(({ url, ...definition }) => ({
      url,
      // The secret GitHub signs with is never answered: SecretToken stays out.
      definition: { ...definition, authentication: 'GITHUB_HMAC', authenticationConfiguration: {} },
    }));
    return { webhooks, ...(nextToken ? { NextToken: nextToken } : {}) };
  },

  PutWebhook: async (api: SluiceApi, _input: PutWebhookInput): Promise<PutWebhookOutput> => api.putWebhook(),
};
