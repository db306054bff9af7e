import { runnableProviders } from '../actions/action-providers';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { AwsCodeBuildBuilds } from '../adapters/aws/codebuild-builds';
import { awsRuleServices } from '../adapters/aws/rule-services';
import type { OperationsDependencies } from '../operations/pipeline-operations';
import { awsCodeCommit, awsDependencies } from './aws';
import { awsEnvironment, COMMANDS_PROJECT_VARIABLE, functionRole } from './aws-environment';
import { awsRepositoryHosts } from './aws-repository-hosts';
import { commandEnvironmentOnLambda, wipeCredentialsFromStartEnvironment } from './command-environment';

let dependencies: OperationsDependencies | undefined;
let credentialsWiped = false;

/**
 * awsDependencies with what runs actions, stage conditions' rules and the steps around CodeBuild
 * builds: the providers' run code, the repository hosts, CodeCommit, the rules'
 * services and CodeBuild. Apart from awsDependencies, so that the other functions' bundles hold
 * none of it, nor the SDK clients, git and zip that it brings.
 */
export function awsActionDependencies(): OperationsDependencies {
  return (dependencies ??= {
    ...awsDependencies(),
    providers: runnableProviders(),
    repositoryHosts: awsRepositoryHosts(),
    codeCommit: awsCodeCommit(),
    ...awsRuleServices(awsEnvironment().region),
    builds: awsCodeBuildBuilds(),
    ...(process.env[COMMANDS_PROJECT_VARIABLE] ? { commandsProjectName: process.env[COMMANDS_PROJECT_VARIABLE] } : {}),
    commandEnvironment: awsCommandEnvironment,
  });
}

/** The builds that the CodeBuild actions started, read with BatchGetBuilds as the function's role. */
function awsCodeBuildBuilds(): AwsCodeBuildBuilds {
  return new AwsCodeBuildBuilds(new CodeBuildClient({ region: awsEnvironment().region }), functionRole());
}

/**
 * The commands of Commands rules run in the action runner as the function's own user: they get an allow-list of its
 * environment, and its credentials are wiped from what /proc shows of it, once per container.
 */
function awsCommandEnvironment(): Record<string, string> {
  if (!credentialsWiped) {
    wipeCredentialsFromStartEnvironment();
    credentialsWiped = true;
  }
  return commandEnvironmentOnLambda(process.env);
}
