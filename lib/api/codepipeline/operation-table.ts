import { BadInputError, OperationNotImplementedError } from '../../core/errors';
import type { SluiceApi } from '../../operations/sluice-api';
import { ACTION_EXECUTION_OPERATIONS } from './action-execution-operations';
import { CONDITION_OPERATIONS } from './condition-operations';
import { CODEPIPELINE_OPERATION_NAMES, type CodePipelineOperationName } from './operation-names';
import { JOB_OPERATIONS } from './job-operations';
import { PIPELINE_OPERATIONS } from './pipeline-operations';
import { RUN_OPERATIONS } from './run-operations';
import type { CodePipelineCall } from './protocol';

/** One operation on the wire: the model's input to the model's output, over the SluiceApi. */
export type OperationHandler = (api: SluiceApi, input: never) => Promise<unknown>;

/** What an operation Sluice does not implement answers: an error that names it, never a wrong shape. */
const NOT_IMPLEMENTED = Object.fromEntries(
  CODEPIPELINE_OPERATION_NAMES.map((operation): [CodePipelineOperationName, OperationHandler] => [
    operation,
    () => Promise.reject(new OperationNotImplementedError(operation)),
  ]),
) as Record<CodePipelineOperationName, OperationHandler>;

/** Every operation of CodePipeline's API, each with its handler; each part's handlers are one object spread in. */
export const CODEPIPELINE_OPERATIONS: Record<CodePipelineOperationName, OperationHandler> = {
  ...NOT_IMPLEMENTED,
  ...(PIPELINE_OPERATIONS satisfies Partial<Record<CodePipelineOperationName, OperationHandler>>),
  ...(RUN_OPERATIONS satisfies Partial<Record<CodePipelineOperationName, OperationHandler>>),
  ...(ACTION_EXECUTION_OPERATIONS satisfies Partial<Record<CodePipelineOperationName, OperationHandler>>),
  ...(JOB_OPERATIONS satisfies Partial<Record<CodePipelineOperationName, OperationHandler>>),
  ...(CONDITION_OPERATIONS satisfies Partial<Record<CodePipelineOperationName, OperationHandler>>),
};

const isOperation = (name: string): name is CodePipelineOperationName => Object.hasOwn(CODEPIPELINE_OPERATIONS, name);

/** Runs the operation a call names, with its input; its output is the model's, with Dates for timestamps. */
export async function dispatchCodePipelineCall(api: SluiceApi, { operation, input }: CodePipelineCall): Promise<unknown> {
  if (!isOperation(operation)) {
    throw new BadInputError(`CodePipeline has no operation ${operation}.`, { code: 'UnknownOperationException' });
  }
  return CODEPIPELINE_OPERATIONS[operation](api, input as never);
}
