import type { FunctionArns, TaskStep } from './compile';

/** A Lambda function that runs Tasks: the `functions` of serverless.yml that the definitions invoke. */
export type TaskFunction = keyof FunctionArns;

/** The Task steps that invoke a Lambda function; startBuild is CodeBuild's own integration. */
export type LambdaTaskStep = Exclude<TaskStep, 'startBuild'>;

/**
 * Which function runs each Task step: the compiler writes its ARN into the Task, and the local
 * engine calls the same function's handler.
 */
export const TASK_FUNCTIONS: Readonly<Record<LambdaTaskStep, TaskFunction>> = {
  enterStage: 'stageStep',
  exitStage: 'stageStep',
  failStage: 'stageStep',
  runAction: 'actionRunner',
  prepareBuild: 'actionRunner',
  completeBuild: 'actionRunner',
  failBuild: 'actionRunner',
  // A stage's conditions: their rules may run commands, as an action does.
  checkBeforeEntry: 'actionRunner',
  checkOnSuccess: 'actionRunner',
  checkOnFailure: 'actionRunner',
  requestApproval: 'approvalRequest',
  // The function that starts a Task that waits on its token: an approval's request, or a custom action's job.
  queueJob: 'approvalRequest',
};

export const isLambdaTaskStep = (step: TaskStep): step is LambdaTaskStep => step in TASK_FUNCTIONS;
