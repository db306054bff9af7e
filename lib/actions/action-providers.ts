import { providerKey } from '../core/declaration-fields';
import type { AnyActionProvider } from './action-provider';
import { cloudFormation } from './cloudformation';
import { codeBuild, codeBuildTest } from './codebuild';
import { codeCommitSource } from './codecommit-source';
import { codeDeploy } from './codedeploy';
import { codeStarSourceConnection } from './codestar-source';
import { commands } from './commands';
import { ecrSource } from './ecr-source';
import { ecsDeploy } from './ecs-deploy';
import { gitSource } from './git-source';
import { lambdaInvoke } from './lambda-invoke';
import { manualApproval } from './manual-approval';
import { s3Deploy } from './s3-deploy';
import { s3Source } from './s3-source';
import { stepFunctionsInvoke } from './step-functions-invoke';

/**
 * Every action provider with the code that runs its actions, in the order of the registry's specs
 * (lib/actions/registry.ts). Only what runs actions or polls sources loads this: the providers'
 * run code brings their SDK clients, git and zip with it.
 */
export const actionProviders: readonly AnyActionProvider[] = [
  s3Source,
  codeCommitSource,
  ecrSource,
  codeStarSourceConnection,
  gitSource,
  codeBuild,
  codeBuildTest,
  commands,
  s3Deploy,
  cloudFormation,
  ecsDeploy,
  codeDeploy,
  manualApproval,
  lambdaInvoke,
  stepFunctionsInvoke,
];

/** The providers by `Category/Owner/Provider`, run code included: ExecutionDependencies' `providers` where actions run. */
export const runnableProviders = (): ReadonlyMap<string, AnyActionProvider> =>
  new Map(actionProviders.map((provider) => [providerKey(provider.spec), provider]));
