import { providerKey } from '../core/declaration-fields';
import { PROVIDERS_NOT_YET_BUILT, type ProviderCatalog, type ProviderNotYetBuilt, type ProviderSpec } from '../core/providers';
import { cloudFormationSpec } from './cloudformation';
import { codeBuild, codeBuildTest } from './codebuild';
import { codeCommitSourceSpec } from './codecommit-source-spec';
import { codeDeploySpec } from './codedeploy';
import { codeStarSourceConnectionSpec } from './codestar-source';
import { commandsSpec } from './commands';
import { ecrSourceSpec } from './ecr-source';
import { ecsDeploySpec } from './ecs-deploy';
import { gitSourceSpec } from './git-source-spec';
import { lambdaInvokeSpec } from './lambda-invoke';
import { manualApprovalSpec } from './manual-approval';
import { s3DeploySpec } from './s3-deploy-spec';
import { s3SourceSpec } from './s3-source';
import { stepFunctionsInvokeSpec } from './step-functions-invoke';

/**
 * Every provider's spec: what validation refuses by, what pipelines compile against, and what
 * `sluice providers`, ListActionTypes and the README's provider table show. Only the specs: a
 * function that validates or compiles pipelines loads no provider's run code nor its SDK clients
 * (lib/actions/action-providers.ts has those). Adding a provider is a module and a line here and there.
 */
export const providerSpecs: readonly ProviderSpec[] = [
  s3SourceSpec,
  codeCommitSourceSpec,
  ecrSourceSpec,
  codeStarSourceConnectionSpec,
  gitSourceSpec,
  codeBuild.spec,
  codeBuildTest.spec,
  commandsSpec,
  s3DeploySpec,
  cloudFormationSpec,
  ecsDeploySpec,
  codeDeploySpec,
  manualApprovalSpec,
  lambdaInvokeSpec,
  stepFunctionsInvokeSpec,
];

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
