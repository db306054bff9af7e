import { STSClient } from '@aws-sdk/client-sts';
import { LambdaJobFunctions } from '../adapters/aws/lambda-job-functions';
import { StsArtifactCredentials } from '../adapters/aws/sts-artifact-credentials';
import type { OperationsDependencies, PipelineOperations } from '../operations/pipeline-operations';
import { awsDependencies, createAwsOperations } from './aws';
import { ARTIFACT_ACCESS_ROLE_VARIABLE, awsEnvironment, engineOptions, functionRole, PIPELINE_DEPLOY_VARIABLES, requiredVariable } from './aws-environment';
import { functionSfn } from './aws-function-clients';

let dependencies: OperationsDependencies | undefined;
let operations: PipelineOperations | undefined;

/**
 * awsDependencies with what starts the functions of Lambda invoke actions, which a job's event
 * hands a session narrowed to its artifacts: for the approval request function, which queues
 * jobs, and the http function, whose PutJobSuccessResult with a continuation token starts one again.
 * Apart from awsDependencies, so that the other functions' bundles hold neither Lambda nor STS.
 */
export function awsJobDependencies(): OperationsDependencies {
  if (dependencies) return dependencies;
  const deps = awsDependencies();
  return (dependencies = { ...deps, jobFunctions: new LambdaJobFunctions(deps.awsClients!), ...artifactAccess() });
}

/** Artifact credentials as sessions of the stack's artifact access role, on the function that is told its ARN; none elsewhere. */
function artifactAccess(): Pick<OperationsDependencies, 'artifactCredentials'> {
  const roleArn = process.env[ARTIFACT_ACCESS_ROLE_VARIABLE];
  if (!roleArn) return {};
  return { artifactCredentials: new StsArtifactCredentials(new STSClient({ region: awsEnvironment().region }), roleArn, functionRole()) };
}

/** `/api/...` on AWS: registering a pipeline publishes its state machine, and executions can be stopped. */
export function awsOperations(): PipelineOperations {
  const setOn = 'the http function';
  return (operations ??= createAwsOperations(
    awsJobDependencies(),
    functionSfn(),
    {
      ...engineOptions(),
      logGroupArn: requiredVariable(PIPELINE_DEPLOY_VARIABLES.logGroupArn, setOn),
      functions: {
        stageStep: requiredVariable(PIPELINE_DEPLOY_VARIABLES.stageStep, setOn),
        actionRunner: requiredVariable(PIPELINE_DEPLOY_VARIABLES.actionRunner, setOn),
        approvalRequest: requiredVariable(PIPELINE_DEPLOY_VARIABLES.approvalRequest, setOn),
      },
    },
    {
      gitHubWebhook: () => {
        const { publicUrl } = awsEnvironment();
        return {
          url: new URL('webhooks/github', publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`).href,
          secretSource: "the stack's WebhookSecret in Secrets Manager (the stack output WebhookSecretArn)",
        };
      },
    },
  ));
}
