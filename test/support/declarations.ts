import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';

type StageDeclaration = PipelineDeclaration['stages'][number];

/** The action that checks out `main` of a git repository, as `Src`. */
export function gitCheckoutAction(repository: string, extra: { namespace?: string } = {}): ActionDeclaration {
  return {
    name: 'Checkout',
    actionTypeId: { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' },
    configuration: { RepositoryUrl: repository, BranchName: 'main' },
    outputArtifacts: [{ name: 'Src' }],
    ...extra,
  };
}

/** The Source stage most end-to-end pipelines start with: `main` of a git repository, as `Src`. */
export function gitSourceStage(repository: string, extra: { namespace?: string } = {}): StageDeclaration {
  return { name: 'Source', actions: [gitCheckoutAction(repository, extra)] };
}

/**
 * A Source stage that fetches an S3 object: by default webapp.zip from the sluice-sources bucket,
 * as `SourceOutput`.
 */
export function s3SourceStage({ bucket = 'sluice-sources', key = 'webapp.zip', output = 'SourceOutput' } = {}): StageDeclaration {
  return {
    name: 'Source',
    actions: [
      {
        name: 'Fetch',
        actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
        configuration: { S3Bucket: bucket, S3ObjectKey: key },
        outputArtifacts: [{ name: output }],
      },
    ],
  };
}

/** A Build stage whose one action, Tool (namespace ToolVars), is the custom action `provider` building `target` from Src. */
export function customToolStage(provider: string, target: string): StageDeclaration {
  return buildStage('Tool', { Target: target }, { actionTypeId: { category: 'Build', owner: 'Custom', provider, version: '1' }, namespace: 'ToolVars' });
}

/** A Review stage that holds the execution for a Manual approval named `actionName`. */
export function reviewStage(actionName: string): StageDeclaration {
  return {
    name: 'Review',
    actions: [{ name: actionName, actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }],
  };
}

/** A Commands action named `name` that runs `commands` on the artifact `input`, by default `Src`. */
export function commandsOnSource(name: string, commands: string[], input = 'Src'): ActionDeclaration {
  return { name, actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' }, commands, inputArtifacts: [{ name: input }] };
}

/**
 * A Build action named `name` that builds the artifact `Src`, configured with `configuration`:
 * a CodeBuild project, unless `extra` names another type; `extra` adds outputs or a namespace.
 */
export function buildOnSource(name: string, configuration: Record<string, string>, extra: Partial<ActionDeclaration> = {}): ActionDeclaration {
  return {
    name,
    actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
    configuration,
    inputArtifacts: [{ name: 'Src' }],
    ...extra,
  };
}

/** A Build stage of the one action `buildOnSource` declares. */
export function buildStage(...action: Parameters<typeof buildOnSource>): StageDeclaration {
  return { name: 'Build', actions: [buildOnSource(...action)] };
}

/** A Source stage of `sources`, then a Build stage that runs make on their artifact `input`. */
export function sourceAndBuildStages(sources: ActionDeclaration[], input = 'Src'): StageDeclaration[] {
  return [
    { name: 'Source', actions: sources },
    { name: 'Build', actions: [commandsOnSource('Make', ['make'], input)] },
  ];
}
