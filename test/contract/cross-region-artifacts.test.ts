import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import type { ActionProvider } from '../../lib/actions/action-provider';
import { storeOutputArtifact } from '../../lib/actions/action-provider';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import type { ArtifactLocation, ActionStepPayload, PipelineRef } from '../../lib/core/task-payloads';
import { OutboxMails } from '../../lib/adapters/local/outbox-mails';
import { runAction } from '../../lib/execution/action-steps';
import { pruneExecutions } from '../../lib/execution/prune-executions';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { startExecution } from '../../lib/execution/start-execution';
import { stackPerSuite } from '../support/embedded-stack';
import { TEST_ARTIFACT_BUCKET, testExecutionDependencies } from '../support/execution-deps';
import { customProviderSpec } from '../support/test-providers';

const HOME = 'us-east-1';
const IRELAND = 'eu-west-1';
const HOME_BUCKET = 'webapp-east-artifacts';
const IRELAND_BUCKET = 'webapp-west-artifacts';

/** Where each run of a provider found its input artifacts, and which bucket it was told to write to. */
const seen: { action: string; inputs: ArtifactLocation[]; artifactBucket: string }[] = [];

/** Appends its Line to notes.txt of its input artifact (a new file without one) and stores the result as its output artifact. */
const appendProvider: ActionProvider = {
  spec: { ...customProviderSpec('Build', 'Append', 'Appends a line to notes.txt.'), inputArtifacts: { min: 0, max: 1 }, outputArtifacts: { min: 1, max: 1 } },
  async run(context) {
    seen.push({ action: context.action.name, inputs: context.inputArtifacts.map(({ location }) => location), artifactBucket: context.artifactBucket });
    const directory = path.join(context.workspace, 'notes');
    await mkdir(directory);
    const input = context.inputArtifacts[0];
    if (input) await context.artifacts.fetchArtifact(input.location, directory);
    const notes = path.join(directory, 'notes.txt');
    const before = input ? await readFile(notes, 'utf8') : '';
    await writeFile(notes, `${before}${context.action.configuration!.Line}\n`);
    return { outputArtifacts: [await storeOutputArtifact(context, directory)], outputVariables: {} };
  },
};

const append = (name: string, line: string, input: string | undefined, output: string, region?: string): ActionDeclaration => ({
  name,
  actionTypeId: { category: 'Build', owner: 'Custom', provider: 'Append', version: '1' },
  configuration: { Line: line },
  ...(input ? { inputArtifacts: [{ name: input }] } : {}),
  outputArtifacts: [{ name: output }],
  ...(region ? { region } : {}),
});

const write = append('Write', 'written at home', undefined, 'Notes');
const deployInIreland = append('DeployWest', 'deployed in Ireland', 'Notes', 'WestNotes', IRELAND);
const verifyAtHome = append('Verify', 'verified at home', 'WestNotes', 'Verified');

const webapp: PipelineDeclaration = {
  name: 'webapp',
  artifactStores: { [HOME]: { type: 'S3', location: HOME_BUCKET }, [IRELAND]: { type: 'S3', location: IRELAND_BUCKET } },
  stages: [
    { name: 'Source', actions: [write] },
    { name: 'Deploy', actions: [deployInIreland, { ...verifyAtHome, runOrder: 2 }] },
  ],
};

describe("artifactStores on the embedded S3: an action in another region works in its own region's store", () => {
  const suite = stackPerSuite();
  let deps: ExecutionDependencies;

  beforeAll(async () => {
    const workspaceRoot = path.join(suite.scratch, 'workspaces');
    await mkdir(workspaceRoot);
    ({ deps } = await testExecutionDependencies(suite.test, { providers: [appendProvider], workspaceRoot }));
    deps.region = HOME;
    for (const bucket of [HOME_BUCKET, IRELAND_BUCKET]) await deps.blobs.ensureBucket(bucket);
  });

  async function run(pipeline: PipelineRef, stage: string, action: ActionDeclaration, inputArtifacts: ActionStepPayload['inputArtifacts']) {
    const result = await runAction(deps, { step: 'runAction', pipeline, stage, action, inputArtifacts, namespaces: {} }, new AbortController().signal);
    if ('inProgress' in result) throw new Error(`${action.name} is done in one run`);
    return result.artifacts[0]!;
  }

  const notesOf = async (location: ArtifactLocation, name: string) => {
    const directory = path.join(suite.scratch, name);
    await deps.artifacts.fetchArtifact(location, directory);
    return readFile(path.join(directory, 'notes.txt'), 'utf8');
  };

  it('records the store of each region, copies the input in and the output home, where a later home action reads it', async () => {
    const { pipeline } = await startExecution(deps, {
      pipeline: webapp,
      version: 1,
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' },
    });
    expect(pipeline).toMatchObject({ artifactStore: { bucketName: HOME_BUCKET }, regionalArtifactStores: { [IRELAND]: { bucketName: IRELAND_BUCKET } } });
    expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({
      artifactStore: { bucketName: HOME_BUCKET },
      regionalArtifactStores: { [IRELAND]: { bucketName: IRELAND_BUCKET } },
    });

    const notes = await run(pipeline, 'Source', write, []);
    expect(notes.bucketName).toBe(HOME_BUCKET);

    const westNotes = await run(pipeline, 'Deploy', deployInIreland, [{ name: 'Notes', location: notes }]);
    // The action read its input from, and wrote its output to, Ireland's store; what travels on is the copy at home.
    const west = seen.find((entry) => entry.action === 'DeployWest')!;
    expect(west).toEqual({ action: 'DeployWest', inputs: [{ bucketName: IRELAND_BUCKET, objectKey: notes.objectKey }], artifactBucket: IRELAND_BUCKET });
    expect(westNotes).toEqual({ bucketName: HOME_BUCKET, objectKey: expect.stringMatching(/^webapp\/WestNotes\/[^/]+\.zip$/) });
    expect(await deps.blobs.listKeys(IRELAND_BUCKET, 'webapp/')).toEqual(expect.arrayContaining([notes.objectKey, westNotes.objectKey]));
    expect(await notesOf({ bucketName: IRELAND_BUCKET, objectKey: westNotes.objectKey }, 'in-ireland')).toBe('written at home\ndeployed in Ireland\n');

    const verified = await run(pipeline, 'Deploy', verifyAtHome, [{ name: 'WestNotes', location: westNotes }]);
    expect(seen.find((entry) => entry.action === 'Verify')).toEqual({ action: 'Verify', inputs: [westNotes], artifactBucket: HOME_BUCKET });
    expect(await notesOf(verified, 'verified')).toBe('written at home\ndeployed in Ireland\nverified at home\n');

    const actions = await deps.store.listActions(pipeline.executionId);
    const record = actions.find((action) => action.actionName === 'DeployWest')!;
    expect(record.input.region).toBe(IRELAND);
    expect(record.output?.outputArtifacts).toEqual([{ name: 'WestNotes', s3location: westNotes }]);
    const log = await text((await deps.blobs.get(record.logLocation!)).body);
    expect(log).toContain(`Copied input artifact Notes to s3://${IRELAND_BUCKET}/${notes.objectKey}, the artifact store of ${IRELAND}`);
    expect(log).toContain(`to s3://${HOME_BUCKET}, the pipeline's home artifact store`);
    expect(await deps.blobs.listKeys(TEST_ARTIFACT_BUCKET, 'webapp/')).toEqual([]);

    // Pruning the execution deletes its artifacts at home and the copies in Ireland's store.
    await deps.store.finishExecution(pipeline.executionId, 'Succeeded', undefined, deps.clock().toISOString());
    const pruneDeps = {
      ...deps,
      approvals: { deleteApproval: async () => undefined },
      mails: new OutboxMails(suite.scratch),
      clock: () => new Date('2100-01-01'),
    };
    const report = await pruneExecutions(pruneDeps, { keepDays: 1 });
    // Only DeployWest wrote to its log: the two actions that wrote nothing stored none.
    expect(report.pipelines).toEqual([{ pipelineName: 'webapp', executions: 1, artifacts: 3, logs: 1, mails: 0 }]);
    expect(await deps.blobs.listKeys(IRELAND_BUCKET, 'webapp/')).toEqual([]);
    expect(await deps.blobs.listKeys(HOME_BUCKET, 'webapp/')).toEqual([]);
  });

  it('refuses to start an execution when artifactStores has no store for the home region', async () => {
    const elsewhere = { ...webapp, artifactStores: { [IRELAND]: { type: 'S3' as const, location: IRELAND_BUCKET } } };
    await expect(
      startExecution(deps, { pipeline: elsewhere, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } }),
    ).rejects.toThrow(`Pipeline webapp declares artifactStores for ${IRELAND}, and none for ${HOME}, where it runs: add an artifactStores entry for it.`);
  });
});
