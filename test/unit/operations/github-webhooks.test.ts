import type { PipelineDeclaration } from '../../../lib/core/declaration';
import { ValidationError } from '../../../lib/core/errors';
import { listGitHubWebhooks, refusePutWebhook } from '../../../lib/operations/github-webhooks';
import type { PipelineVersionRecord } from '../../../lib/ports/execution-store';

const settings = { url: 'https://ci.example.com/webhooks/github', secretSource: 'sluice webhook-secret' };
const build = { name: 'Build', actions: [{ name: 'Make', actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } }] } as const;
const registered = (declaration: PipelineDeclaration): PipelineVersionRecord => ({
  name: declaration.name,
  version: 1,
  declaration,
  created: '2026-01-01T00:00:00Z',
});
const source = (name: string, provider: string, configuration: Record<string, string>) => ({
  name: 'Source',
  actions: [
    {
      name,
      actionTypeId: { category: 'Source', owner: provider === 'Git' ? 'Custom' : 'AWS', provider, version: '1' },
      configuration,
      outputArtifacts: [{ name: 'Src' }],
    },
  ],
});

describe('ListWebhooks from the GitHub webhook', () => {
  it('lists one definition for each source action a delivery can start, with its branch filter and the URL, never the secret', () => {
    const pipelines = [
      registered({
        name: 'web',
        stages: [source('Code', 'CodeStarSourceConnection', { FullRepositoryId: 'o/web', BranchName: 'main', ConnectionArn: 'arn:x' }), build],
      } as never),
      registered({
        name: 'quiet',
        stages: [source('Code', 'Git', { RepositoryUrl: 'https://x/y.git', BranchName: 'main', DetectChanges: 'false' }), build],
      } as never),
      registered({ name: 'bucket', stages: [source('Zip', 'S3', { S3Bucket: 'b', S3ObjectKey: 'k.zip' }), build] } as never),
    ];
    const webhooks = listGitHubWebhooks(pipelines, settings);
    expect(webhooks).toEqual([
      {
        name: 'web--Code',
        targetPipeline: 'web',
        targetAction: 'Code',
        filters: [{ jsonPath: '$.ref', matchEquals: 'refs/heads/{BranchName}' }],
        url: settings.url,
      },
    ]);
    expect(JSON.stringify(webhooks)).not.toContain('secret');
  });

  it('lists none where this process does not serve the webhook', () => {
    expect(
      listGitHubWebhooks([registered({ name: 'web', stages: [source('Code', 'Git', { RepositoryUrl: 'u', BranchName: 'main' }), build] } as never)], undefined),
    ).toEqual([]);
  });

  it('refuses PutWebhook, saying where the one webhook is and what gives its secret', () => {
    expect(() => refusePutWebhook(settings)).toThrow(ValidationError);
    expect(() => refusePutWebhook(settings)).toThrow(
      /Sluice has one GitHub webhook .*https:\/\/ci\.example\.com\/webhooks\/github, and sluice webhook-secret gives its secret/,
    );
  });
});
