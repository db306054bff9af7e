import { providerKey } from '../core/declaration';
import { PROVIDERS_NOT_YET_BUILT, type ProviderCatalog, type ProviderNotYetBuilt, type ProviderSpec, type Runtime } from '../core/providers';
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

/** Every action provider Sluice has. Adding one is a module and a line here. */
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

/** Where a provider's actions can run: none, whatever its spec says, while Sluice should run them itself and has nothing that does. */
function runnableOn(provider: AnyActionProvider): readonly Runtime[] {
  const runsInSluice = ['runner', 'polling'].includes(provider.spec.integration ?? 'runner');
  return runsInSluice && !provider.run ? [] : provider.spec.runtimes;
}

/**
 * Every provider's spec with the runtimes it can truly run on: what validation refuses by, and
 * what `sluice providers`, ListActionTypes and the README's provider table show.
 */
export const providerSpecs: readonly ProviderSpec[] = actionProviders.map((provider) => ({ ...provider.spec, runtimes: runnableOn(provider) }));

export const providerCatalog: ProviderCatalog = new Map<string, ProviderSpec>(providerSpecs.map((spec) => [providerKey(spec), spec]));

/** Where a provider runs, as `sluice providers` and the README say it. */
export function runtimesText(spec: Pick<ProviderSpec, 'runtimes'>): string {
  return spec.runtimes.join(', ') || 'none yet';
}

/**
 * The README's provider table: the providers of each category that run on the same runtimes, one
 * row each, in the registry's order, then those Sluice does not have yet. `npm run docs:providers`
 * writes it into the README.
 */
export function providerTable(specs: readonly ProviderSpec[] = providerSpecs, notYetBuilt: readonly ProviderNotYetBuilt[] = PROVIDERS_NOT_YET_BUILT): string {
  const rows = new Map<string, { category: string; providers: string[]; runtimes: string }>();
  const entries = [
    ...specs.map((spec) => ({ ...spec, runtimes: runtimesText(spec) })),
    ...notYetBuilt.map((entry) => ({ ...entry, runtimes: 'not supported yet' })),
  ];
  for (const { category, owner, provider, runtimes } of entries) {
    const key = `${category} ${runtimes}`;
    const row = rows.get(key) ?? { category, providers: [], runtimes };
    row.providers.push(`${owner}/${provider}`);
    rows.set(key, row);
  }
  const lines = [...rows.values()].map((row) => `| ${row.category} | ${row.providers.join(', ')} | ${row.runtimes} |`);
  return ['| Category | Provider | Runs on |', '|---|---|---|', ...lines].join('\n');
}
