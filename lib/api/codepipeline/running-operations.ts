import type {
  CreatePipelineInput,
  CreatePipelineOutput,
  PipelineDeclaration as WirePipelineDeclaration,
  StartPipelineExecutionInput,
  StartPipelineExecutionOutput,
  StopPipelineExecutionInput,
  StopPipelineExecutionOutput,
} from '@aws-sdk/client-codepipeline';
import type { PipelineDeclaration } from '../../core/declaration';
import { BadInputError, ConflictError } from '../../core/errors';
import { isStoppable, type SluiceApi } from '../../operations/sluice-api';
import { inputMembers } from './input-members';

/** A pipeline variable given to StartPipelineExecution: `{name, value}`. */
function variablesOf(list: unknown[] | undefined): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [index, entry] of (list ?? []).entries()) {
    const members = inputMembers(entry, `variables[${index}]`);
    variables[members.string('name')] = members.optionalString('value') ?? '';
  }
  return variables;
}

/**
 * Creating, starting and stopping over what the SluiceApi offers today: CreatePipeline registers
 * the pipeline and starts its first execution, as CodePipeline does. What these operations take
 * beyond that (tags, source revisions, stopping without abandoning) is refused, naming it; the
 * idempotency of clientRequestToken is not kept yet.
 */
export const RUNNING_OPERATIONS = {
  CreatePipeline: async (api: SluiceApi, input: CreatePipelineInput): Promise<CreatePipelineOutput> => {
    const members = inputMembers(input);
    members.refuse(['tags'], 'tag the pipeline once it exists.');
    const created = await api.createPipeline(members.object('pipeline') as unknown as PipelineDeclaration);
    await api.startPipelineExecution(created.name);
    return { pipeline: created.declaration as unknown as WirePipelineDeclaration };
  },

  StartPipelineExecution: async (api: SluiceApi, input: StartPipelineExecutionInput): Promise<StartPipelineExecutionOutput> => {
    const members = inputMembers(input);
    // The CLI and the SDKs fill in clientRequestToken on every call, so it cannot be refused here.
    members.refuse(['sourceRevisions'], 'start the execution without them.');
    return api.startPipelineExecution(members.string('name'), variablesOf(members.optionalList('variables')));
  },

  StopPipelineExecution: async (api: SluiceApi, input: StopPipelineExecutionInput): Promise<StopPipelineExecutionOutput> => {
    const members = inputMembers(input);
    if (members.optionalBoolean('abandon') !== true) {
      throw new BadInputError('Sluice stops an execution by abandoning its in-progress actions: call StopPipelineExecution with abandon true.');
    }
    if (!isStoppable(api)) throw new ConflictError('Executions here stop only with the process they run in.');
    const reason = members.optionalString('reason');
    return api.stopPipelineExecution({
      pipelineName: members.string('pipelineName'),
      pipelineExecutionId: members.string('pipelineExecutionId'),
      ...(reason ? { reason } : {}),
    });
  },
};
