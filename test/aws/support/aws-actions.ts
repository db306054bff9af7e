import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { ActionContext, ActionInProgress, ActionOutcome, ActionProvider } from '../../../lib/actions/action-provider';
import { SdkAwsClients } from '../../../lib/adapters/aws/aws-clients';
import type { ActionDeclaration } from '../../../lib/core/declaration';
import { SourceActionHarness } from '../../support/source-actions';
import { motoClientConfig, motoEndpoint, REGION, uniqueName } from './moto-clients';

type PollingProvider = ActionProvider<ActionOutcome | ActionInProgress>;
type Input = ActionContext['inputArtifacts'][number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs providers that call AWS as the action runner does, against moto: their SDK clients follow
 * the SDK's own variables to moto, and their artifacts are in moto's S3.
 */
export class AwsActionHarness {
  private readonly clients: SdkAwsClients;

  private constructor(
    private readonly actions: SourceActionHarness,
    private readonly scratch: string,
    region: string,
  ) {
    this.clients = new SdkAwsClients(region);
  }

  /**
   * A harness for the enclosing describe, with its bucket, whose actions call AWS in `region`; its
   * scratch directory is removed after the suite.
   */
  static forSuite(region = REGION): { harness: AwsActionHarness } {
    const suite = {} as { harness: AwsActionHarness };
    beforeAll(async () => {
      // As on a developer's machine: the SDK's own variables name the endpoint and the credentials.
      Object.assign(process.env, { AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
      const scratch = await mkdtemp(path.join(os.tmpdir(), 'sluice-aws-action-'));
      const s3 = new S3Client({ ...motoClientConfig(), forcePathStyle: true });
      suite.harness = new AwsActionHarness(await SourceActionHarness.start(s3, scratch, uniqueName('sluice-artifacts')), scratch, region);
    });
    afterAll(() => rm(suite.harness.scratch, { recursive: true, force: true }));
    return suite;
  }

  /** An input artifact named `name` holding `files`, stored as an earlier action would have. */
  async inputArtifact(name: string, files: Record<string, string>): Promise<Input> {
    const directory = await mkdtemp(path.join(this.scratch, 'input-'));
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(directory, file)), { recursive: true });
      await writeFile(path.join(directory, file), text);
    }
    const location = await this.actions.artifacts.storeArtifact({
      bucketName: this.actions.artifactBucket,
      pipelineName: 'webapp',
      artifactName: name,
      directory,
    });
    return { name, location };
  }

  /** The context of action `Deploy` of pipeline `webapp`, and its log. */
  context(action: Omit<ActionDeclaration, 'name'>, inputArtifacts: Input[] = []): Promise<{ context: ActionContext; log: string[] }> {
    return this.actions.context(action, { stageName: 'Deploy', action: { name: 'Deploy', ...action }, inputArtifacts, aws: this.clients });
  }

  /** The context of action `Deploy`, whose one input artifact, `Input`, holds `files`. */
  async contextWithInput(action: Omit<ActionDeclaration, 'name' | 'inputArtifacts'>, files: Record<string, string>) {
    const input = await this.inputArtifact('Input', files);
    return { input, ...(await this.context({ ...action, inputArtifacts: [{ name: input.name }] }, [input])) };
  }

  /**
   * Runs a polling provider as the engine does: again, with what its last run answered, for as
   * long as it answers in progress (quickly here: moto's work takes no time worth waiting for).
   * Returns the outcome and the answers in progress before it.
   */
  async runToEnd(provider: PollingProvider, context: ActionContext, runs = 100): Promise<{ outcome: ActionOutcome; inProgress: ActionInProgress[] }> {
    const inProgress: ActionInProgress[] = [];
    let current = context;
    for (let run = 0; run < runs; run++) {
      const answer = await provider.run!(current);
      if (!('inProgress' in answer)) return { outcome: answer, inProgress };
      inProgress.push(answer);
      current = { ...context, continuation: answer.inProgress.state };
      await sleep(100);
    }
    throw new Error(`${provider.spec.provider} was still in progress after ${runs} runs.`);
  }

  /** Extracts the action's output artifact, as a later action would get it; returns its directory. */
  async fetchBack(outcome: ActionOutcome): Promise<string> {
    return (await this.actions.fetchBack(outcome)).directory;
  }
}
