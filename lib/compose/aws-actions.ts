import { runnableProviders } from '../actions/action-providers';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DEFAULT_ROLE } from '../adapters/aws/access-denied';
import { AwsCodeBuildBuilds } from '../adapters/aws/codebuild-builds';
import { awsCodeCommitAccess } from '../adapters/aws/codecommit-access';
import { awsRuleServices } from '../adapters/aws/rule-services';
import type { OperationsDependencies } from '../operations/pipeline-operations';
import type { CodeCommitAccess } from '../ports/codecommit-access';
import { awsDependencies } from './aws';
import { awsEnvironment, COMMANDS_PROJECT_VARIABLE, functionRole } from './aws-environment';
import { awsRepositoryHosts } from './aws-repository-hosts';
import { commandEnvironmentOnLambda, wipeCredentialsFromStartEnvironment } from './command-environment';

let dependencies: OperationsDependencies | undefined;
let credentialsWiped = false;

/**
 * awsDependencies with what runs actions, stage conditions' rules and the steps around CodeBuild
 * builds, and polls sources: the providers' run code, the repository hosts, CodeCommit, the rules'
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

/** CodeCommit in the function's region and account, as the function's role. */
function awsCodeCommit(): CodeCommitAccess {
  const { region, roleName, pipelineArnPrefix } = awsEnvironment();
  // The pipelines' ARN prefix, `arn:<partition>:codepipeline:<region>:<account>:`, gives the stack's account.
  return awsCodeCommitAccess({ region, identity: roleName ?? DEFAULT_ROLE, accountId: pipelineArnPrefix.split(':')[4] });
}
