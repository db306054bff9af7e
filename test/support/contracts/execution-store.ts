import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbExecutionStore } from '../../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../../lib/adapters/aws/execution-table';
import type { PipelineDeclaration } from '../../../lib/core/declaration';
import { DETAIL_TYPES, pipelineEvent } from '../../../lib/core/events';
import type { ActionExecutionRecord, PipelineExecutionRecord, PipelineVersionRecord, RuleExecutionRecord } from '../../../lib/ports/execution-store';
import { describeEventLog } from '../event-log';
import { executionTableOn, racing, serversForSuite, type ServerKind } from './servers';
import { gitSourceStage } from '../declarations';

function execution(pipelineName: string, id: string, startTime: string, overrides: Partial<PipelineExecutionRecord> = {}): PipelineExecutionRecord {
  return {
    pipelineName,
    pipelineVersion: 1,
    pipelineExecutionId: id,
    status: 'InProgress',
    startTime,
    lastUpdateTime: startTime,
    trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' },
    variables: { region: 'eu-west-1' },
    ...overrides,
  };
}

function action(executionId: string, stageName: string, actionName: string, overrides: Partial<ActionExecutionRecord> = {}): ActionExecutionRecord {
  return {
    pipelineExecutionId: executionId,
    stageName,
    actionName,
    actionExecutionId: `${executionId}-${actionName}`,
    status: 'InProgress',
    startTime: '2025-01-01T00:00:00.000Z',
    lastUpdateTime: '2025-01-01T00:00:00.000Z',
    input: {
      actionTypeId: { category: 'Build', owner: 'Custom', provider: 'Commands', version: '1' },
      configuration: {},
      resolvedConfiguration: {},
      inputArtifacts: [{ name: 'SourceOutput', s3location: { bucketName: 'sluice-artifacts', objectKey: 'webapp/SourceOutput/abc.zip' } }],
    },
    ...overrides,
  };
}

function declaration(name: string, buildCommand: string): PipelineDeclaration {
  return {
    name,
    stages: [
      gitSourceStage('.'),
      {
        name: 'Build',
        actions: [
          {
            name: 'Compile',
            actionTypeId: { category: 'Build', owner: 'AWS', provider: 'Commands', version: '1' },
            commands: [buildCommand],
            inputArtifacts: [{ name: 'Src' }],
          },
        ],
      },
    ],
  };
}

function version(name: string, number: number, buildCommand = `make v${number}`): PipelineVersionRecord {
  return { name, version: number, declaration: declaration(name, buildCommand), created: `2025-01-0${number}T00:00:00.000Z` };
}

/** What the ExecutionStore port promises, of DynamoDbExecutionStore on a table of its own on the servers of `kind`. */
export function describeExecutionStoreContract(kind: ServerKind): void {
  describe(`DynamoDbExecutionStore on ${kind.name}`, () => {
    const servers = serversForSuite(kind);
    let table: string;
    let store: DynamoDbExecutionStore;

    beforeAll(async () => {
      const opened = await executionTableOn(servers(), 'sluice-executions');
      table = opened.table;
      store = new DynamoDbExecutionStore(opened.documents, table);
    });

    it('creates the table with the keys and index the stores use, once', async () => {
      await expect(ensureExecutionTable(servers().dynamodb, table)).resolves.toBeUndefined();
    });

    it('creates, reads, lists newest first, and finishes an execution', async () => {
      await store.createExecution(execution('newest', 'newest-1', '2025-01-01T00:00:00.000Z'));
      await store.createExecution(execution('newest', 'newest-2', '2025-01-02T00:00:00.000Z'));
      await store.createExecution(execution('elsewhere', 'elsewhere-1', '2025-01-03T00:00:00.000Z'));

      expect(await store.getExecution('newest-1')).toEqual(execution('newest', 'newest-1', '2025-01-01T00:00:00.000Z'));
      expect((await store.listExecutions('newest')).map((each) => each.pipelineExecutionId)).toEqual(['newest-2', 'newest-1']);
      expect(await store.finishExecution('newest-1', 'Succeeded', 'done', '2025-01-01T00:05:00.000Z')).toBe(true);
      expect(await store.getExecution('newest-1')).toMatchObject({ status: 'Succeeded', statusSummary: 'done', lastUpdateTime: '2025-01-01T00:05:00.000Z' });
    });

    it('refuses a duplicate execution, a finished execution moving again, and an unknown one', async () => {
      const first = execution('guarded', 'guarded-1', '2025-01-01T00:00:00.000Z');
      await store.createExecution(first);

      await expect(store.createExecution({ ...first, status: 'Failed' })).rejects.toThrow(ConditionalCheckFailedException);
      expect(await store.finishExecution('guarded-1', 'Failed', 'boom', '2025-01-01T00:01:00.000Z')).toBe(true);
      expect(await store.finishExecution('guarded-1', 'Succeeded', undefined, '2025-01-01T00:02:00.000Z')).toBe(false);
      expect(await store.finishExecution('no-such-execution', 'Succeeded', undefined, '2025-01-01T00:02:00.000Z')).toBe(false);
      expect(await store.getExecution('guarded-1')).toMatchObject({ status: 'Failed', statusSummary: 'boom' });
    });

    it('never rewrites a finished action', async () => {
      expect(await store.putAction(action('rewrite-1', 'Build', 'Compile'))).toBe(true);
      expect(await store.putAction(action('rewrite-1', 'Build', 'Compile', { status: 'Failed' }))).toBe(true);
      expect(await store.putAction(action('rewrite-1', 'Build', 'Compile', { status: 'Succeeded' }))).toBe(false);
      expect((await store.listActions('rewrite-1')).map((each) => each.status)).toEqual(['Failed']);
    });

    describe('executions', () => {
      it('reads back a created execution, and nothing for an unknown id', async () => {
        const created = execution('create', 'create-1', '2025-01-01T00:00:00.000Z');

        await store.createExecution(created);

        expect(await store.getExecution('create-1')).toEqual(created);
        expect(await store.getExecution('no-such-execution')).toBeUndefined();
      });

      it('refuses a second execution with the same id and keeps the first', async () => {
        const first = execution('duplicate', 'duplicate-1', '2025-01-01T00:00:00.000Z');
        await store.createExecution(first);

        const second = store.createExecution({ ...first, status: 'Failed', variables: {} });

        await expect(second).rejects.toThrow(ConditionalCheckFailedException);
        expect(await store.getExecution('duplicate-1')).toEqual(first);
      });

      it("lists a pipeline's executions newest first, up to the limit, and no other pipeline's", async () => {
        for (const [id, startTime] of [
          ['list-2', '2025-01-02T00:00:00.000Z'],
          ['list-1', '2025-01-01T00:00:00.000Z'],
          ['list-3', '2025-01-03T00:00:00.000Z'],
        ] as const) {
          await store.createExecution(execution('listed', id, startTime));
        }
        await store.createExecution(execution('listed-elsewhere', 'other-1', '2025-01-04T00:00:00.000Z'));

        expect((await store.listExecutions('listed')).map((entry) => entry.pipelineExecutionId)).toEqual(['list-3', 'list-2', 'list-1']);
        expect((await store.listExecutions('listed', 2)).map((entry) => entry.pipelineExecutionId)).toEqual(['list-3', 'list-2']);
        expect(await store.listExecutions('never-run')).toEqual([]);
      });

      it('lists from a given execution on: that one and those that started before it', async () => {
        for (const [id, startTime] of [
          ['from-1', '2025-01-01T00:00:00.000Z'],
          ['from-2a', '2025-01-02T00:00:00.000Z'],
          ['from-2b', '2025-01-02T00:00:00.000Z'],
          ['from-3', '2025-01-03T00:00:00.000Z'],
        ] as const) {
          await store.createExecution(execution('paged', id, startTime));
        }
        const ids = async (limit: number, from: { startTime: string; pipelineExecutionId: string }) =>
          (await store.listExecutions('paged', limit, from)).map((entry) => entry.pipelineExecutionId);

        expect(await ids(10, { startTime: '2025-01-02T00:00:00.000Z', pipelineExecutionId: 'from-2b' })).toEqual(['from-2b', 'from-2a', 'from-1']);
        expect(await ids(1, { startTime: '2025-01-02T00:00:00.000Z', pipelineExecutionId: 'from-2a' })).toEqual(['from-2a']);
        // An execution deleted since: the list goes on with those that started before it.
        expect(await ids(10, { startTime: '2025-01-02T12:00:00.000Z', pipelineExecutionId: 'gone' })).toEqual(['from-2b', 'from-2a', 'from-1']);
      });

      it('finishes an InProgress execution once; a finished execution never changes', async () => {
        await store.createExecution(execution('finish', 'finish-1', '2025-01-01T00:00:00.000Z'));

        expect(await store.finishExecution('finish-1', 'Succeeded', undefined, '2025-01-01T00:05:00.000Z')).toBe(true);
        const succeeded = await store.getExecution('finish-1');
        expect(succeeded).toMatchObject({ status: 'Succeeded', lastUpdateTime: '2025-01-01T00:05:00.000Z' });
        expect(succeeded).not.toHaveProperty('statusSummary');

        expect(await store.finishExecution('finish-1', 'Failed', 'too late', '2025-01-01T00:06:00.000Z')).toBe(false);
        expect(await store.getExecution('finish-1')).toEqual(succeeded);
      });

      it('lets a Stopping execution become Stopped, with a summary', async () => {
        await store.createExecution(execution('stop', 'stop-1', '2025-01-01T00:00:00.000Z'));

        expect(await store.finishExecution('stop-1', 'Stopping', 'stopped by alice', '2025-01-01T00:01:00.000Z')).toBe(true);
        expect(await store.finishExecution('stop-1', 'Stopped', 'stopped by alice', '2025-01-01T00:02:00.000Z')).toBe(true);

        expect(await store.getExecution('stop-1')).toMatchObject({
          status: 'Stopped',
          statusSummary: 'stopped by alice',
          lastUpdateTime: '2025-01-01T00:02:00.000Z',
        });
      });

      it('does not finish an execution that does not exist', async () => {
        expect(await store.finishExecution('never-created', 'Failed', 'interrupted', '2025-01-01T00:00:00.000Z')).toBe(false);
        expect(await store.getExecution('never-created')).toBeUndefined();
      });

      it('lists the executions that are InProgress or Stopping, and no finished one', async () => {
        await store.createExecution(execution('running', 'running-1', '2025-02-01T00:00:00.000Z'));
        await store.createExecution(execution('running', 'running-2', '2025-02-02T00:00:00.000Z'));
        await store.createExecution(execution('running', 'running-3', '2025-02-03T00:00:00.000Z'));
        await store.finishExecution('running-2', 'Stopping', undefined, '2025-02-02T00:01:00.000Z');
        await store.finishExecution('running-3', 'Failed', 'broken', '2025-02-03T00:01:00.000Z');
        await store.putStage({
          pipelineExecutionId: 'running-1',
          stageName: 'Build',
          status: 'InProgress',
          startTime: '2025-02-01T00:00:00.000Z',
          lastUpdateTime: '2025-02-01T00:00:00.000Z',
        });

        const running = await store.listExecutionsInProgress();

        const ofThisPipeline = running.filter((entry) => entry.pipelineName === 'running');
        expect(ofThisPipeline.map((entry) => [entry.pipelineExecutionId, entry.status]).sort()).toEqual([
          ['running-1', 'InProgress'],
          ['running-2', 'Stopping'],
        ]);
        expect(running.every((entry) => entry.status === 'InProgress' || entry.status === 'Stopping')).toBe(true);
      });
    });

    describe('stage conditions', () => {
      const condition = {
        pipelineExecutionId: 'conditions-1',
        pipelineVersion: 1,
        stageName: 'Deploy',
        conditionType: 'BEFORE_ENTRY',
        status: 'InProgress',
        lastStatusChange: '2025-01-01T00:00:00.000Z',
        rules: [] as RuleExecutionRecord[],
      } as const;
      const by = { by: 'alice', at: '2025-01-01T00:01:00.000Z' };

      it("overrides a condition in progress only, keeps the override through the evaluation's writes, and never rewrites a finished one", async () => {
        expect(await store.overrideCondition('conditions-1', 'Deploy', 'BEFORE_ENTRY', by)).toBe(false);
        expect(await store.putCondition(condition)).toBe(true);
        expect(await store.overrideCondition('conditions-1', 'Deploy', 'BEFORE_ENTRY', by)).toBe(true);
        expect(await store.putCondition({ ...condition, lastStatusChange: '2025-01-01T00:02:00.000Z' })).toBe(true);
        expect(await store.listConditions('conditions-1')).toEqual([{ ...condition, lastStatusChange: '2025-01-01T00:02:00.000Z', override: by }]);

        expect(await store.putCondition({ ...condition, status: 'Overridden' })).toBe(true);
        expect(await store.putCondition({ ...condition, status: 'Failed' })).toBe(false);
        expect(await store.overrideCondition('conditions-1', 'Deploy', 'BEFORE_ENTRY', by)).toBe(false);
        expect((await store.listConditions('conditions-1')).map((entry) => entry.status)).toEqual(['Overridden']);
        expect(await store.listConditions('conditions-2')).toEqual([]);
      });
    });

    describe('stages and actions', () => {
      it('writes stages and lists those of one execution', async () => {
        const build = {
          pipelineExecutionId: 'stages-1',
          stageName: 'Build',
          status: 'InProgress',
          startTime: '2025-01-01T00:00:00.000Z',
          lastUpdateTime: '2025-01-01T00:00:00.000Z',
        } as const;
        await store.putStage({
          pipelineExecutionId: 'stages-1',
          stageName: 'Source',
          status: 'Succeeded',
          startTime: '2025-01-01T00:00:00.000Z',
          lastUpdateTime: '2025-01-01T00:00:00.000Z',
        });
        await store.putStage(build);
        await store.putStage({ ...build, status: 'Succeeded', lastUpdateTime: '2025-01-01T00:03:00.000Z' });
        await store.putStage({ ...build, pipelineExecutionId: 'stages-2' });

        const stages = await store.listStages('stages-1');

        expect(stages.map((stage) => [stage.stageName, stage.status]).sort()).toEqual([
          ['Build', 'Succeeded'],
          ['Source', 'Succeeded'],
        ]);
        expect(stages.find((stage) => stage.stageName === 'Build')).toEqual({ ...build, status: 'Succeeded', lastUpdateTime: '2025-01-01T00:03:00.000Z' });
      });

      it('updates an InProgress action, and leaves a finished one unchanged', async () => {
        const started = action('actions-1', 'Build', 'Compile');
        const succeeded: ActionExecutionRecord = {
          ...started,
          status: 'Succeeded',
          lastUpdateTime: '2025-01-01T00:02:00.000Z',
          output: { outputArtifacts: [], outputVariables: { VERSION: '1.2.3' }, executionResult: { externalExecutionSummary: 'built' } },
        };

        expect(await store.putAction(started)).toBe(true);
        expect(await store.listActions('actions-1')).toEqual([started]);
        expect(await store.putAction({ ...started, lastUpdateTime: '2025-01-01T00:01:00.000Z' })).toBe(true);
        expect(await store.putAction(succeeded)).toBe(true);

        const late = store.putAction({
          ...started,
          status: 'Abandoned',
          lastUpdateTime: '2025-01-01T00:09:00.000Z',
          errorDetails: { code: 'Abandoned', message: 'stopped' },
        });

        expect(await late).toBe(false);
        expect(await store.listActions('actions-1')).toEqual([succeeded]);
      });

      it('lists every action of an execution and none of another', async () => {
        await store.putAction(action('many-1', 'Build', 'Compile'));
        await store.putAction(action('many-1', 'Build', 'Lint'));
        await store.putAction(action('many-1', 'Deploy', 'Upload'));
        await store.putAction(action('many-2', 'Build', 'Compile'));

        const actions = await store.listActions('many-1');

        expect(actions.map((entry) => `${entry.stageName}/${entry.actionName}`).sort()).toEqual(['Build/Compile', 'Build/Lint', 'Deploy/Upload']);
        expect(actions.every((entry) => entry.pipelineExecutionId === 'many-1')).toBe(true);
        expect(await store.listActions('many-3')).toEqual([]);
      });
    });

    describe('pipeline versions', () => {
      it('stores versions, refuses an existing one, and reads the latest or a given one', async () => {
        await store.putPipelineVersion(version('versioned', 1));
        await store.putPipelineVersion(version('versioned', 2));

        await expect(store.putPipelineVersion(version('versioned', 2, 'make overwritten'))).rejects.toThrow(ConditionalCheckFailedException);

        expect(await store.getPipeline('versioned')).toEqual(version('versioned', 2));
        expect(await store.getPipeline('versioned', 1)).toEqual(version('versioned', 1));
        expect(await store.getPipeline('versioned', 3)).toBeUndefined();
        expect(await store.getPipeline('unknown')).toBeUndefined();
      });

      it('orders versions by number, not as text', async () => {
        for (const number of [1, 2, 10]) await store.putPipelineVersion({ ...version('numbered', 1), version: number });

        expect((await store.getPipeline('numbered'))?.version).toBe(10);
      });

      it('lists the latest version of each pipeline', async () => {
        await store.putPipelineVersion(version('listed-a', 1));
        await store.putPipelineVersion(version('listed-a', 2));
        await store.putPipelineVersion(version('listed-b', 1));

        const latest = (await store.listPipelines()).filter((entry) => entry.name.startsWith('listed-'));

        expect(latest.map((entry) => [entry.name, entry.version]).sort()).toEqual([
          ['listed-a', 2],
          ['listed-b', 1],
        ]);
        expect(latest.find((entry) => entry.name === 'listed-a')).toEqual(version('listed-a', 2));
      });

      it('deletes every version of a pipeline, and says when there was none', async () => {
        await store.putPipelineVersion(version('deleted', 1));
        await store.putPipelineVersion(version('deleted', 2));
        await store.putPipelineVersion(version('kept', 1));

        expect(await store.deletePipeline('deleted')).toBe(true);

        expect(await store.getPipeline('deleted')).toBeUndefined();
        expect(await store.getPipeline('deleted', 1)).toBeUndefined();
        expect((await store.listPipelines()).map((entry) => entry.name)).not.toContain('deleted');
        expect(await store.getPipeline('kept')).toEqual(version('kept', 1));
        expect(await store.deletePipeline('deleted')).toBe(false);
        expect(await store.deletePipeline('never-declared')).toBe(false);
      });

      it('deletes every version even when they fill more than one 1 MB query page', async () => {
        const large = (number: number) => version('large', number, `echo ${String(number).repeat(300_000)}`);
        for (const number of [1, 2, 3, 4, 5]) await store.putPipelineVersion(large(number));

        expect(await store.deletePipeline('large')).toBe(true);

        for (const number of [1, 2, 3, 4, 5]) expect(await store.getPipeline('large', number)).toBeUndefined();
      });
    });

    describe('pipeline tags and request tokens', () => {
      it("replaces a pipeline's tags only at the revision read: of two concurrent changes one wins", async () => {
        await store.putPipelineVersion(version('tagged', 1));
        expect(await store.getPipelineTags('tagged')).toEqual({ tags: [], revision: 0 });
        expect(await store.putPipelineTags('tagged', [{ key: 'team', value: 'web' }], 0)).toBe(true);
        expect(await store.getPipelineTags('tagged')).toEqual({ tags: [{ key: 'team', value: 'web' }], revision: 1 });
        const attempts = await racing(kind, [
          () => store.putPipelineTags('tagged', [{ key: 'team', value: 'api' }], 1),
          () => store.putPipelineTags('tagged', [{ key: 'team', value: 'ops' }], 1),
        ]);
        expect(attempts.filter(Boolean)).toHaveLength(1);
        expect(await store.putPipelineTags('tagged', [], 1)).toBe(false);
        expect((await store.getPipelineTags('tagged')).revision).toBe(2);
        // The tags are not a version: the pipeline's versions are listed as before.
        expect((await store.listPipelines()).filter((pipeline) => pipeline.name === 'tagged')).toHaveLength(1);
      });

      it('binds a request token to the first execution that claims it, frees it on release, and forgets it with the pipeline', async () => {
        await store.putPipelineVersion(version('tokened', 1));
        const claims = await racing(kind, [
          () => store.claimRequestToken('tokened', 'token-1', 'execution-a'),
          () => store.claimRequestToken('tokened', 'token-1', 'execution-b'),
        ]);
        expect(new Set(claims).size).toBe(1);
        const bound = claims[0]!;
        expect(await store.claimRequestToken('tokened', 'token-1', 'execution-c')).toBe(bound);
        expect(await store.claimRequestToken('other-pipeline', 'token-1', 'execution-d')).toBe('execution-d');
        await store.releaseRequestToken('tokened', 'token-1', 'execution-c');
        expect(await store.claimRequestToken('tokened', 'token-1', 'execution-e')).toBe(bound);
        await store.releaseRequestToken('tokened', 'token-1', bound);
        expect(await store.claimRequestToken('tokened', 'token-1', 'execution-f')).toBe('execution-f');

        await store.putPipelineTags('tokened', [{ key: 'a', value: 'b' }], 0);
        expect(await store.deletePipeline('tokened')).toBe(true);
        expect(await store.getPipelineTags('tokened')).toEqual({ tags: [], revision: 0 });
        expect(await store.claimRequestToken('tokened', 'token-1', 'execution-g')).toBe('execution-g');
      });

      it("notes a polled action's revision only over the one read before it: of two polls that saw one change, one notes it; deleting the pipeline forgets it", async () => {
        await store.putPipelineVersion(version('polled', 1));
        expect(await store.getPolledRevision('polled', 'Source')).toBeUndefined();
        expect(await store.recordPolledRevision('polled', 'Source', 'v1', undefined)).toBe(true);
        expect(await store.recordPolledRevision('polled', 'Source', 'v0', undefined)).toBe(false);
        const notes = await racing(kind, [
          () => store.recordPolledRevision('polled', 'Source', 'v2', 'v1'),
          () => store.recordPolledRevision('polled', 'Source', 'v2', 'v1'),
        ]);
        expect(notes.filter(Boolean)).toHaveLength(1);
        expect(await store.recordPolledRevision('polled', 'Source', 'v3', 'v1')).toBe(false);
        expect(await store.getPolledRevision('polled', 'Source')).toBe('v2');
        expect(await store.getPolledRevision('polled', 'Other')).toBeUndefined();
        // The note is not a version: the pipeline's versions are listed as before.
        expect((await store.listPipelines()).filter((pipeline) => pipeline.name === 'polled')).toHaveLength(1);
        expect((await store.getPipeline('polled'))?.version).toBe(1);

        expect(await store.deletePipeline('polled')).toBe(true);
        expect(await store.getPolledRevision('polled', 'Source')).toBeUndefined();
      });
    });

    describe('webhook deliveries', () => {
      const NOW = 1_800_000_000;

      it('records a delivery id once: of concurrent attempts exactly one wins, and the item carries its ttl', async () => {
        const attempts = await racing(
          kind,
          Array.from({ length: 10 }, () => () => store.recordDelivery('delivery-1', 1_900_000_000, NOW)),
        );

        expect(attempts.filter(Boolean)).toHaveLength(1);
        expect(await store.recordDelivery('delivery-1', 1_900_000_000, NOW)).toBe(false);
        expect(await store.recordDelivery('delivery-2', 1_900_000_000, NOW)).toBe(true);
        const { Item } = await DynamoDBDocumentClient.from(servers().dynamodb).send(
          new GetCommand({ TableName: table, Key: { pk: 'DELIVERY#delivery-1', sk: '#DELIVERY' } }),
        );
        expect(Item?.ttl).toBe(1_900_000_000);
      });

      it('takes an expired id as new, though the server has not deleted the expired item yet', async () => {
        expect(await store.recordDelivery('expiring', NOW + 10, NOW)).toBe(true);

        expect(await store.recordDelivery('expiring', NOW + 1000, NOW + 5)).toBe(false);
        expect(await store.recordDelivery('expiring', NOW + 1000, NOW + 11)).toBe(true);
      });

      it('lists and deletes only expired ids, and keeps one recorded again since it was listed', async () => {
        await store.recordDelivery('swept-1', NOW - 1, NOW - 100);
        await store.recordDelivery('swept-2', NOW - 1, NOW - 100);
        await store.recordDelivery('alive', NOW + 60, NOW - 100);

        const expired = await store.listExpiredDeliveries(NOW);
        expect(expired).toEqual(expect.arrayContaining(['swept-1', 'swept-2']));
        expect(expired).not.toContain('alive');

        await store.recordDelivery('swept-2', NOW + 600, NOW);
        for (const id of expired) await store.deleteExpiredDelivery(id, NOW);

        expect(await store.listExpiredDeliveries(NOW)).toEqual([]);
        expect(await store.recordDelivery('swept-1', NOW + 600, NOW)).toBe(true);
        expect(await store.recordDelivery('swept-2', NOW + 600, NOW)).toBe(false);
        expect(await store.recordDelivery('alive', NOW + 600, NOW)).toBe(false);
      });
    });

    describe('events', () => {
      describeEventLog(() => {
        const writer = () => new DynamoDbExecutionStore(DynamoDBDocumentClient.from(servers().dynamodb), table);
        return { writers: [writer(), writer()], reader: store };
      });
    });

    describe('retention', () => {
      it('lists every execution, of every pipeline, and deletes one with its stages, actions and events, leaving the others', async () => {
        await store.createExecution(execution('pruned', 'pruned-1', '2025-02-01T00:00:00.000Z', { status: 'Succeeded' }));
        await store.createExecution(execution('pruned', 'pruned-2', '2025-02-02T00:00:00.000Z', { status: 'Succeeded' }));
        for (const id of ['pruned-1', 'pruned-2']) {
          await store.putStage({
            pipelineExecutionId: id,
            stageName: 'Build',
            status: 'Succeeded',
            startTime: '2025-02-01T00:00:00.000Z',
            lastUpdateTime: '2025-02-01T00:00:00.000Z',
          });
          await store.putAction(action(id, 'Build', 'Compile', { status: 'Succeeded' }));
          await store.recordEvent(
            pipelineEvent(
              DETAIL_TYPES.pipeline,
              { pipeline: 'pruned', version: 1, 'execution-id': id, state: 'SUCCEEDED' },
              { id: `${id}-event`, time: '2025-02-01T00:00:00.000Z', pipelineArn: 'arn:pruned', startTime: '2025-02-01T00:00:00.000Z' },
            ),
          );
        }

        const listed = (await store.listAllExecutions()).map((entry) => entry.pipelineExecutionId);
        expect(listed).toEqual(expect.arrayContaining(['pruned-1', 'pruned-2', 'create-1', 'other-1']));

        await store.deleteExecution('pruned-1');

        expect(await store.getExecution('pruned-1')).toBeUndefined();
        expect(await store.listStages('pruned-1')).toEqual([]);
        expect(await store.listActions('pruned-1')).toEqual([]);
        expect(await store.listEvents('pruned-1')).toEqual([]);
        expect((await store.listAllExecutions()).map((entry) => entry.pipelineExecutionId)).not.toContain('pruned-1');
        expect(await store.getExecution('pruned-2')).toBeDefined();
        expect(await store.listStages('pruned-2')).toHaveLength(1);
        expect(await store.listActions('pruned-2')).toHaveLength(1);
        expect(await store.listEvents('pruned-2')).toHaveLength(1);
        await expect(store.deleteExecution('pruned-1')).resolves.toBeUndefined();
      });
    });
  });
}
