import type { PipelineDeclaration } from './declaration';
import { providerKey } from './declaration-fields';
import type { Integration, ProviderCatalog, ProviderSpec, Runtime } from './providers';
import type { PlacedAction, Report } from './validate';

/** Where a declaration's regions are checked: the runtime, and its home region when known. */
export interface RegionOptions {
  runtime?: Runtime;
  homeRegion?: string;
}

/**
 * The integrations whose actions cannot run in another region, and why. The action runner copies
 * a cross-region action's artifacts between the stores; these hand theirs over some other way.
 */
const HOME_REGION_ONLY: Partial<Record<Integration, string>> = {
  codebuild: "Sluice starts CodeBuild builds with Step Functions' codebuild:startBuild.sync, which starts them in the state machine's own region",
  'lambda-job': "Sluice hands a Lambda invoke action's input and output artifacts to the function in the home region's artifact store only",
};

/**
 * CodePipeline's rules for artifactStores and cross-region actions: artifactStores has a store
 * for the pipeline's region and for each region an action runs in; an action in another region
 * needs artifactStores; source, third-party and custom actions cannot be cross-region. Rules that
 * need the home region wait until it is known.
 */
export function checkRegions(
  pipeline: PipelineDeclaration,
  placed: readonly PlacedAction[],
  catalog: ProviderCatalog,
  options: RegionOptions,
  report: Report,
): void {
  const { runtime, homeRegion } = options;
  const stores = pipeline.artifactStores;
  if (stores && homeRegion !== undefined && !stores[homeRegion]) {
    report(
      'artifactStores',
      'artifact-store-region',
      `artifactStores has no store for ${homeRegion}, the region this pipeline runs in (${describeHome(runtime)}); it has ${Object.keys(stores).join(', ')}. Add artifactStores.${homeRegion}.`,
    );
  }
  const homeKey = homeRegion === undefined ? undefined : stores?.[homeRegion]?.encryptionKey;
  const builds = placed.filter((entry) => catalog.get(providerKey(entry.action.actionTypeId))?.integration === 'codebuild');
  if (homeKey && builds.length > 0 && runtime === 'aws') {
    // A build's EncryptionKeyOverride is compiled into the state machine, which knows no home region.
    report(
      `artifactStores.${homeRegion}.encryptionKey`,
      'artifact-store-runtime',
      `CodeBuild actions (${builds.map((entry) => entry.action.name).join(', ')}) would not write their artifacts with key "${homeKey.id}": Sluice gives builds the key of artifactStore only, not yet that of an artifactStores entry. Use artifactStore, or remove encryptionKey.`,
    );
  }
  for (const entry of placed) {
    const region = entry.action.region;
    const spec = catalog.get(providerKey(entry.action.actionTypeId));
    // A provider that calls no AWS service on this runtime has its own refusal of any region.
    if (region === undefined || (runtime && spec?.runsWithoutAwsOn?.includes(runtime))) continue;
    if (stores && !stores[region]) {
      report(
        `${entry.path}.region`,
        'artifact-store-region',
        `Action "${entry.action.name}" runs in ${region}, and artifactStores has no store for it: add artifactStores.${region}, a bucket in ${region} that its artifacts are copied to.`,
      );
    }
    if (homeRegion === undefined || region === homeRegion) continue;
    if (!stores) {
      report(
        `${entry.path}.region`,
        'artifact-store-region',
        `Action "${entry.action.name}" runs in ${region}, not in ${homeRegion} where the pipeline runs: a cross-region action needs artifactStores, a store for ${homeRegion} and one for ${region}, in place of artifactStore.`,
      );
    }
    const refusal = crossRegionRefusal(entry, spec);
    if (refusal) report(`${entry.path}.region`, 'cross-region-action', `${refusal} Remove region, or make it ${homeRegion}.`);
  }
}

/** Why this action cannot run outside the home region, if it cannot. */
function crossRegionRefusal({ action }: PlacedAction, spec: ProviderSpec | undefined): string | undefined {
  const { category, owner, provider } = action.actionTypeId;
  if (category === 'Source') return `"${action.name}" is a source action, and CodePipeline runs no source action in another region.`;
  if (owner !== 'AWS') return `"${action.name}" is a ${owner} action, and CodePipeline runs only AWS-owned actions in another region.`;
  const why = spec && HOME_REGION_ONLY[spec.integration ?? 'runner'];
  return why && `${provider} actions cannot run in another region: ${why}.`;
}

function describeHome(runtime: Runtime | undefined): string {
  if (runtime === 'aws') return "the Sluice stack's region";
  if (runtime === 'local') return 'AWS_REGION, or AWS_DEFAULT_REGION, on this machine; us-east-1 without either';
  return "the installation's region";
}
