import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import { BadInputError } from '../../lib/core/errors';
import type { WebhookDeliveryDependencies, StartPinnedExecution } from '../../lib/execution/webhook-deliveries';
import type { SourceChangeTriggerDependencies } from '../../lib/execution/source-change-trigger';
import type { SourcePollDependencies } from '../../lib/execution/source-polling';
import type { PipelineVersionRecord } from '../../lib/ports/execution-store';
import { sourceAndBuildStages } from './declarations';

/** Version 1 of a registered pipeline: `source`, then a build that reads its artifact `Src`. */
export function pipelineRecord(name: string, source: ActionDeclaration, variables: PipelineDeclaration['variables'] = undefined): PipelineVersionRecord {
  const declaration: PipelineDeclaration = {
    name,
    stages: sourceAndBuildStages([source]),
    ...(variables ? { variables } : {}),
  };
  return { name, version: 1, declaration, created: '2025-01-01T00:00:00.000Z' };
}

/**
 * What a trigger needs, over the given registered pipelines: a delivery record that refuses a
 * repeated id, polled revisions noted only over the one noted before (as the store's conditional
 * write), and a start that fails, as the real one does, for a variable without a default.
 */
export function triggerDependencies(pipelines: PipelineVersionRecord[]) {
  const deliveries = new Map<string, number>();
  const polled = new Map<string, string>();
  const polledKey = (pipelineName: string, actionName: string) => JSON.stringify([pipelineName, actionName]);
  const start = jest.fn<ReturnType<StartPinnedExecution>, Parameters<StartPinnedExecution>>(async (pipeline) => {
    if (pipeline.declaration.variables?.some((variable) => variable.defaultValue === undefined)) throw new BadInputError('Variable stage has no default value');
    return `${pipeline.name}-execution`;
  });
  const deps: WebhookDeliveryDependencies & SourceChangeTriggerDependencies & Pick<SourcePollDependencies, 'store'> = {
    store: {
      listPipelines: async () => pipelines,
      recordDelivery: async (id, ttl) => {
        if (deliveries.has(id)) return false;
        deliveries.set(id, ttl);
        return true;
      },
      getPolledRevision: async (pipelineName, actionName) => polled.get(polledKey(pipelineName, actionName)),
      recordPolledRevision: async (pipelineName, actionName, marker, previous) => {
        if (polled.get(polledKey(pipelineName, actionName)) !== previous) return false;
        polled.set(polledKey(pipelineName, actionName), marker);
        return true;
      },
    },
    start,
    clock: () => new Date('2025-01-01T00:00:00.000Z'),
  };
  return { deps, start, deliveries, polled };
}
