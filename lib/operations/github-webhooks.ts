import type { PipelineDeclaration, TriggerDeclaration } from '../core/declaration';
import { providerKey } from '../core/declaration-fields';
import { sourceActions } from '../core/trigger-match';
import type { PipelineVersionRecord } from '../ports/execution-store';
import { ValidationError } from '../core/errors';

/** Where Sluice's one GitHub webhook is, where the process knows it. */
export interface GitHubWebhookSettings {
  /** The URL GitHub delivers to, `<base>/webhooks/github`. */
  url: string;
  /** The command or setting that gives the secret GitHub signs deliveries with (never the secret itself). */
  secretSource: string;
}

/**
 * What the GitHub webhook starts, as CodePipeline's ListWebhooks describes a webhook: one
 * definition for each pipeline source action that a delivery can start, authenticated with
 * GITHUB_HMAC. The secret is never part of it.
 */
export interface GitHubWebhookDescription {
  name: string;
  targetPipeline: string;
  targetAction: string;
  /** CodePipeline's WebhookFilterRule; `{BranchName}` stands for the source action's configuration property. */
  filters: { jsonPath: string; matchEquals?: string }[];
  url: string;
}

/** The providers whose actions GitHub's deliveries start: a repository named by owner/name, or by URL. */
const WEBHOOK_PROVIDERS = new Set(['Source/AWS/CodeStarSourceConnection', 'Source/Custom/Git']);

/** Pushes to the source action's branch, as a pipeline without triggers starts on them. */
const BRANCH_FILTER = { jsonPath: '$.ref', matchEquals: 'refs/heads/{BranchName}' };

function webhookTargets(pipeline: PipelineDeclaration): { action: string; trigger?: TriggerDeclaration }[] {
  const actions = sourceActions(pipeline).filter((action) => WEBHOOK_PROVIDERS.has(providerKey(action.actionTypeId)));
  const triggers = pipeline.triggers ?? [];
  if (triggers.length > 0) {
    return triggers
      .filter((trigger) => actions.some((action) => action.name === trigger.gitConfiguration.sourceActionName))
      .map((trigger) => ({ action: trigger.gitConfiguration.sourceActionName, trigger }));
  }
  return actions.filter((action) => action.configuration?.DetectChanges !== 'false').map((action) => ({ action: action.name }));
}

/** ListWebhooks: the webhook's definitions for the pipelines registered; none where this process does not serve the webhook. */
export function listGitHubWebhooks(pipelines: PipelineVersionRecord[], settings: GitHubWebhookSettings | undefined): GitHubWebhookDescription[] {
  if (!settings) return [];
  return pipelines.flatMap(({ declaration }) =>
    webhookTargets(declaration).map(({ action, trigger }, index) => ({
      name: `${declaration.name}--${action}${trigger ? `--trigger-${index + 1}` : ''}`,
      targetPipeline: declaration.name,
      targetAction: action,
      // A trigger's push and pull-request filters are richer than WebhookFilterRule's JSONPath: they are the pipeline's `triggers`.
      filters: trigger ? [] : [BRANCH_FILTER],
      url: settings.url,
    })),
  );
}

/** PutWebhook: Sluice has one GitHub webhook, which starts pipelines by their source actions and triggers; it registers no others. */
export function refusePutWebhook(settings: GitHubWebhookSettings | undefined): never {
  const where = settings
    ? `its URL is ${settings.url}, and ${settings.secretSource} gives its secret`
    : 'sluice serve (or the AWS stack) serves it at /webhooks/github';
  throw new ValidationError(
    `PutWebhook is not supported: Sluice has one GitHub webhook for every pipeline (${where}). Point the repository's webhook there; a pipeline's source actions and triggers decide what a delivery starts, and ListWebhooks shows them.`,
  );
}
