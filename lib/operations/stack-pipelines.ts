import type { PipelineDeclaration } from '../core/declaration';
import type { PipelineVersionRecord } from '../ports/execution-store';
import { PipelineOperations, type OperationsDependencies } from './pipeline-operations';

/**
 * What serverless.yml's `Custom::SluicePipeline` of a pipelines/*.yml tells its function
 * (statemachines/compile-pipelines.cjs writes it).
 */
export interface StackPipelineProperties {
  /** The file that declares the pipeline, as the project names it: `pipelines/webapp.yml`. */
  File: string;
  /** The validated declaration, as JSON: CloudFormation hands an object's numbers over as strings. */
  Declaration: string;
  StateMachineArn: string;
  /** The version of the state machine that CloudFormation published for this deploy. */
  VersionArn: string;
}

/**
 * The pipelines that the AWS stack deploys from its pipelines/*.yml. CloudFormation creates their
 * state machines and publishes a version on each change; these record the versions in the table,
 * as update-pipeline does for pipelines registered at run time, so that everything that starts
 * executions finds them.
 */
export class StackPipelines extends PipelineOperations {
  constructor(deps: OperationsDependencies) {
    super(deps, { runtime: 'aws' });
  }

  /** Records the next version of a pipeline that the stack `stackId` has just deployed, as the stack's. */
  async register(properties: StackPipelineProperties, stackId: string): Promise<PipelineVersionRecord> {
    const pipeline = await this.validated(JSON.parse(properties.Declaration) as PipelineDeclaration);
    const current = await this.deps.store.getPipeline(pipeline.name);
    return this.putVersion(pipeline, (current?.version ?? 0) + 1, {
      stateMachineArn: properties.StateMachineArn,
      versionArn: properties.VersionArn,
      managedBy: { stackId, file: properties.File },
    });
  }

  /**
   * Removes a pipeline that the stack no longer deploys; CloudFormation deletes its state machine.
   * A pipeline of that name that the stack does not manage is someone else's, and is left alone.
   */
  async deregister(name: string): Promise<void> {
    if ((await this.deps.store.getPipeline(name))?.managedBy) await this.deps.store.deletePipeline(name);
  }
}
