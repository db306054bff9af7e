import { providerKey } from '../core/declaration';
import type { ProviderCatalog, ProviderSpec } from '../core/providers';
import type { AnyActionProvider } from './action-provider';
import { cloudFormation } from './cloudformation';
import { codeBuild, codeBuildTest } from './codebuild';
import { codeCommitSource } from './codecommit-source';
import { codeDeploy } from './codedeploy';
import { codeStarSourceConnection } from './codestar-source';
import { commands } from './commands';
import { gitSource } from './git-source';
import { lambdaInvoke } from './lambda-invoke';
import { manualApproval } from './manual-approval';
import { s3Deploy } from './s3-deploy';
import { s3Source } from './s3-source';
import { stepFunctionsInvoke } from './step-functions-invoke';

/** Every action provider Sluice has. Adding one is a module and a line here. */
export const actionProviders: readonly AnyActionProvider[] = [
  s3Source,
  codeCommitSource,
  codeStarSourceConnection,
  gitSource,
  codeBuild,
  codeBuildTest,
  commands,
  s3Deploy,
  cloudFormation,
  codeDeploy,
  manualApproval,
  lambdaInvoke,
  stepFunctionsInvoke,
];

export const providerCatalog: ProviderCatalog = new Map<string, ProviderSpec>(actionProviders.map((entry) => [providerKey(entry.spec), entry.spec]));
