import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { ActionContext, ActionInProgress, ActionOutcome, ActionProvider } from '../../../lib/actions/action-provider';
import { SdkAwsClients } from '../../../lib/adapters/aws/aws-clients';
import { S3BlobStore } from '../../../lib/adapters/aws/s3-blob-store';
import { ArtifactStore } from '../../../lib/artifacts/artifact-store';
import type { ActionDeclaration } from '../../../lib/core/declaration';
import type { ArtifactLocation } from '../../../lib/core/task-payloads';
import { motoClientConfig, motoEndpoint, REGION, uniqueName } from './moto-clients';

type PollingProvider = ActionProvider<ActionOutcome | ActionInProgress>;
type Input = ActionContext['inputArtifacts'][number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs providers that call AWS as the action runner does, against moto: their SDK clients follow
 * the SDK's own variables to moto, and their artifacts are in moto's S3.
 */
export class AwsActionHarness {
  readonly artifactBucket = uniqueName('sluice-artifacts');
  private readonly blobs = new S3BlobStore(new S3Client({ ...motoClientConfig(), forcePathStyle: true }));
  private readonly artifacts = new ArtifactStore(this.blobs);
  private readonly clients = new SdkAwsClients(REGION);

  private constructor(private readonly scratch: string) {}

  /** A harness for the enclosing describe, with its bucket; its scratch directory is removed after the suite. */
  static forSuite(): { harness: AwsActionHarness } {
    const suite = {} as { harness: AwsActionHarness };
    beforeAll(async () => {
      // As on a developer's machine: the SDK's own variables name the endpoint and the credentials.
      Object.assign(process.env, { AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
      suite.harness = new AwsActionHarness(await mkdtemp(path.join(os.tmpdir(), 'sluice-aws-action-')));
      await suite.harness.blobs.ensureBucket(suite.harness.artifactBucket);
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
    const location = await this.artifacts.storeArtifact({ bucketName: this.artifactBucket, pipelineName: 'webapp', artifactName: name, directory });
    return { name, location };
  }

  /** The context of action `Deploy` of pipeline `webapp`, and its log. */
  async context(action: Omit<ActionDeclaration, 'name'>, inputArtifacts: Input[] = []): Promise<{ context: ActionContext; log: string[] }> {
    const log: string[] = [];
    const context: ActionContext = {
      pipelineName: 'webapp',
      executionId: 'execution-1',
      stageName: 'Deploy',
      action: { name: 'Deploy', ...action },
      inputArtifacts,
      artifactBucket: this.artifactBucket,
      artifacts: this.artifacts,
      blobs: this.blobs,
      workspace: await mkdtemp(path.join(this.scratch, 'workspace-')),
      log: (text) => log.push(text),
      signal: new AbortController().signal,
      aws: this.clients,
    };
    return { context, log };
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

  /** Extracts an output artifact, as a later action would get it; returns its directory. */
  async fetchBack(location: ArtifactLocation): Promise<string> {
    const directory = await mkdtemp(path.join(this.scratch, 'fetched-'));
    await this.artifacts.fetchArtifact(location, directory);
    return directory;
  }
}
