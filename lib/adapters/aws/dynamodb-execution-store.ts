import { QueryCommand, paginateQuery, paginateScan, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import type { PipelineEvent } from '../../core/events';
import { pipelineStatusesBefore, type PipelineExecutionStatus } from '../../core/status';
import type { ConditionType } from '../../core/rules';
import type {
  ActionExecutionRecord,
  AttemptChange,
  ConditionExecutionRecord,
  ExecutionPosition,
  ExecutionStore,
  PipelineExecutionRecord,
  PipelineTags,
  PipelineVersionRecord,
  StageExecutionRecord,
  Tag,
} from '../../ports/execution-store';
import { DynamoDbTable, unlessConditionFails, withoutKeys } from './dynamodb-table';

const EXECUTION_SK = '#EXECUTION';
const DELIVERY_SK = '#DELIVERY';
const BY_PIPELINE = 'byPipeline';
const ALL_PIPELINES = 'PIPELINES';

const DELIVERY_PREFIX = 'DELIVERY#';
const TAGS_SK = '#TAGS';
/** Where retries set an execution's earlier action records aside; `ACTION#` does not begin it. */
const ACTION_HISTORY = 'ACTIONRUN#';

/** A pipeline's items share its key: deleting the pipeline deletes its tags and request tokens too. */
const pipelineKey = (name: string, sk: string) => ({ pk: `PIPELINE#${name}`, sk });
const requestTokenKey = (pipelineName: string, token: string) => pipelineKey(pipelineName, `REQUEST#${token}`);
const polledRevisionKey = (pipelineName: string, actionName: string) => pipelineKey(pipelineName, `POLLED#${actionName}`);

const executionKey = (id: string) => ({ pk: `EXECUTION#${id}`, sk: EXECUTION_SK });
const deliveryKey = (id: string) => ({ pk: `${DELIVERY_PREFIX}${id}`, sk: DELIVERY_SK });
/** A pipeline's executions sort on it: by start time, then by id. */
const executionSortKey = (execution: ExecutionPosition) => `${execution.startTime}#${execution.pipelineExecutionId}`;
const conditionKey = (executionId: string, stageName: string, conditionType: ConditionType) => ({
  pk: `EXECUTION#${executionId}`,
  sk: `CONDITION#${stageName}#${conditionType}`,
});
const versionSk = (version: number) => `VERSION#${String(version).padStart(10, '0')}`;
/** An execution's events are a log: place N holds the Nth event recorded. */
const MAX_EVENT_PLACE = 9_999_999_999;
const eventSk = (place: number) => `EVENTLOG#${String(place).padStart(10, '0')}`;

/** The ExecutionStore on DynamoDB, with a document client that the caller builds. */
export class DynamoDbExecutionStore extends DynamoDbTable implements ExecutionStore {
  async createExecution(execution: PipelineExecutionRecord): Promise<void> {
    await this.putItem({
      Item: {
        ...executionKey(execution.pipelineExecutionId),
        gsi1pk: `PIPELINE#${execution.pipelineName}#EXECUTIONS`,
        gsi1sk: executionSortKey(execution),
        ...execution,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  }

  finishExecution(id: string, status: PipelineExecutionStatus, statusSummary: string | undefined, at: string): Promise<boolean> {
    const allowed = pipelineStatusesBefore(status);
    const placeholders = allowed.map((_, index) => `:from${index}`);
    return unlessConditionFails(
      this.updateItem({
        Key: executionKey(id),
        UpdateExpression: `SET #status = :status, lastUpdateTime = :at${statusSummary === undefined ? '' : ', statusSummary = :summary'}`,
        ConditionExpression: `attribute_exists(pk) AND #status IN (${placeholders.join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':at': at,
          ...(statusSummary === undefined ? {} : { ':summary': statusSummary }),
          ...Object.fromEntries(allowed.map((from, index) => [placeholders[index]!, from])),
        },
      }),
    );
  }

  beginAttempt(id: string, change: AttemptChange, at: string): Promise<boolean> {
    const previous = change.attempt - 1;
    return unlessConditionFails(
      this.updateItem({
        Key: executionKey(id),
        UpdateExpression: 'SET #status = :running, attempt = :attempt, stageRetries = :retries, lastUpdateTime = :at REMOVE statusSummary',
        // The first attempt has no attempt recorded.
        ConditionExpression: `attribute_exists(pk) AND #status = :from AND ${previous === 1 ? 'attribute_not_exists(attempt)' : 'attempt = :previous'}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':running': 'InProgress',
          ':from': change.from,
          ':attempt': change.attempt,
          ':retries': change.stageRetries,
          ':at': at,
          ...(previous === 1 ? {} : { ':previous': previous }),
        },
      }),
    );
  }

  async recordEngineExecution(id: string, engineExecutionArn: string): Promise<void> {
    await this.updateItem({
      Key: executionKey(id),
      UpdateExpression: 'SET engineExecutionArn = :arn',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':arn': engineExecutionArn },
    });
  }

  async getExecution(id: string): Promise<PipelineExecutionRecord | undefined> {
    const { Item } = await this.getItem({ Key: executionKey(id) });
    return Item ? withoutKeys<PipelineExecutionRecord>(Item) : undefined;
  }

  async listExecutions(pipelineName: string, limit = 100, from?: ExecutionPosition): Promise<PipelineExecutionRecord[]> {
    const { Items = [] } = await this.explained(
      'dynamodb:Query',
      () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: BY_PIPELINE,
            KeyConditionExpression: from ? 'gsi1pk = :pk AND gsi1sk <= :from' : 'gsi1pk = :pk',
            ExpressionAttributeValues: {
              ':pk': `PIPELINE#${pipelineName}#EXECUTIONS`,
              ...(from ? { ':from': executionSortKey(from) } : {}),
            },
            ScanIndexForward: false,
            Limit: limit,
          }),
        ),
      { indexName: BY_PIPELINE },
    );
    return Items.map((item) => withoutKeys<PipelineExecutionRecord>(item));
  }

  /** A scan: used by the local runtime, whose table is small, to find interrupted executions. */
  async listExecutionsInProgress(): Promise<PipelineExecutionRecord[]> {
    const items = await this.scan({
      FilterExpression: 'sk = :sk AND #status IN (:running, :stopping)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sk': EXECUTION_SK, ':running': 'InProgress', ':stopping': 'Stopping' },
    });
    return items.map((item) => withoutKeys<PipelineExecutionRecord>(item));
  }

  /** A scan, as listExecutionsInProgress is. */
  async listAllExecutions(): Promise<PipelineExecutionRecord[]> {
    const items = await this.scan({ FilterExpression: 'sk = :sk', ExpressionAttributeValues: { ':sk': EXECUTION_SK } });
    return items.map((item) => withoutKeys<PipelineExecutionRecord>(item));
  }

  async deleteExecution(id: string): Promise<void> {
    const { pk } = executionKey(id);
    const keys = await this.allItems('dynamodb:Query', () =>
      paginateQuery(
        { client: this.client },
        { TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ProjectionExpression: 'pk, sk' },
      ),
    );
    const parts = keys.filter((key) => key.sk !== EXECUTION_SK);
    for (const key of [...parts, executionKey(id)]) {
      await this.deleteItem({ Key: { pk: key.pk, sk: key.sk } });
    }
  }

  async putStage(stage: StageExecutionRecord): Promise<void> {
    await this.putItem({
      Item: { pk: `EXECUTION#${stage.pipelineExecutionId}`, sk: `STAGE#${stage.stageName}`, ...stage },
    });
  }

  async listStages(executionId: string): Promise<StageExecutionRecord[]> {
    return this.queryParts<StageExecutionRecord>(executionId, 'STAGE#');
  }

  putAction(action: ActionExecutionRecord): Promise<boolean> {
    return unlessConditionFails(
      this.putItem({
        Item: {
          pk: `EXECUTION#${action.pipelineExecutionId}`,
          sk: `ACTION#${action.stageName}#${action.actionName}`,
          ...action,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR #status = :running',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':running': 'InProgress' },
      }),
    );
  }

  async listActions(executionId: string): Promise<ActionExecutionRecord[]> {
    return this.queryParts<ActionExecutionRecord>(executionId, 'ACTION#');
  }

  /** The copy first, then the current record: a crash between the two leaves the record to set aside again, to the same copy. */
  async setActionAside(action: ActionExecutionRecord): Promise<void> {
    const pk = `EXECUTION#${action.pipelineExecutionId}`;
    await this.putItem({ Item: { pk, sk: `${ACTION_HISTORY}${action.stageName}#${action.actionName}#${action.actionExecutionId}`, ...action } });
    await unlessConditionFails(
      this.deleteItem({
        Key: { pk, sk: `ACTION#${action.stageName}#${action.actionName}` },
        ConditionExpression: 'actionExecutionId = :id',
        ExpressionAttributeValues: { ':id': action.actionExecutionId },
      }),
    );
  }

  async listActionHistory(executionId: string): Promise<ActionExecutionRecord[]> {
    return this.queryParts<ActionExecutionRecord>(executionId, ACTION_HISTORY);
  }

  putCondition(condition: ConditionExecutionRecord): Promise<boolean> {
    // An override written while the rules ran is kept: the evaluation's own write does not drop it.
    const { override: _kept, ...written } = condition;
    const names = Object.keys(written);
    return unlessConditionFails(
      this.updateItem({
        Key: conditionKey(condition.pipelineExecutionId, condition.stageName, condition.conditionType),
        UpdateExpression: `SET ${names.map((_, index) => `#f${index} = :v${index}`).join(', ')}`,
        ConditionExpression: 'attribute_not_exists(pk) OR #status = :running',
        ExpressionAttributeNames: { ...Object.fromEntries(names.map((name, index) => [`#f${index}`, name])), '#status': 'status' },
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((name, index) => [`:v${index}`, written[name as keyof typeof written]])),
          ':running': 'InProgress',
        },
      }),
    );
  }

  async listConditions(executionId: string): Promise<ConditionExecutionRecord[]> {
    return this.queryParts<ConditionExecutionRecord>(executionId, 'CONDITION#');
  }

  overrideCondition(executionId: string, stageName: string, conditionType: ConditionType, override: { by: string; at: string }): Promise<boolean> {
    return unlessConditionFails(
      this.updateItem({
        Key: conditionKey(executionId, stageName, conditionType),
        UpdateExpression: 'SET #override = :override',
        ConditionExpression: 'attribute_exists(pk) AND #status = :running',
        ExpressionAttributeNames: { '#override': 'override', '#status': 'status' },
        ExpressionAttributeValues: { ':override': override, ':running': 'InProgress' },
      }),
    );
  }

  /**
   * Appends the event to its execution's log, in the first free place. A place is taken by a
   * conditional write, so two writers never share one; and a place is only ever the one after the
   * last taken, so the log has no gap and a reader that has seen N events has seen places 1 to N.
   *
   * The event's own item, keyed on its id and written first, holds the place it is going to: a
   * redelivery, or a retry after a crash, follows it there instead of appending the event again,
   * and moves it on (conditionally) only when another event took that place.
   */
  async recordEvent(event: PipelineEvent): Promise<void> {
    const executionId = event.detail['execution-id'];
    const pk = `EXECUTION#${executionId}`;
    const placeKey = { pk, sk: `EVENTID#${event.id}` };
    let place = (await this.lastEventPlace(executionId)) + 1;
    const claimed = await unlessConditionFails(this.putItem({ Item: { ...placeKey, place }, ConditionExpression: 'attribute_not_exists(sk)' }));
    if (!claimed) place = await this.eventPlace(placeKey);
    for (;;) {
      const appended = await unlessConditionFails(
        this.putItem({ Item: { pk, sk: eventSk(place), place, event }, ConditionExpression: 'attribute_not_exists(sk)' }),
      );
      if (appended) return;
      const { Item } = await this.getItem({ Key: { pk, sk: eventSk(place) }, ConsistentRead: true });
      if ((Item?.event as PipelineEvent | undefined)?.id === event.id) return;
      const next = (await this.lastEventPlace(executionId)) + 1;
      const moved = await unlessConditionFails(
        this.updateItem({
          Key: placeKey,
          UpdateExpression: 'SET place = :next',
          ConditionExpression: 'place = :taken',
          ExpressionAttributeValues: { ':next': next, ':taken': place },
        }),
      );
      // A concurrent delivery of the same event moved it first: follow it.
      place = moved ? next : await this.eventPlace(placeKey);
    }
  }

  async listEvents(executionId: string, after = 0): Promise<PipelineEvent[]> {
    return (await this.eventItems(executionId, after)).map((item) => item.event);
  }

  async putPipelineVersion(version: PipelineVersionRecord): Promise<void> {
    await this.putItem({
      Item: {
        pk: `PIPELINE#${version.name}`,
        sk: versionSk(version.version),
        gsi1pk: ALL_PIPELINES,
        gsi1sk: `${version.name}#${versionSk(version.version)}`,
        ...version,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  }

  async getPipeline(name: string, version?: number): Promise<PipelineVersionRecord | undefined> {
    if (version !== undefined) {
      const { Item } = await this.getItem({ Key: { pk: `PIPELINE#${name}`, sk: versionSk(version) } });
      return Item ? withoutKeys<PipelineVersionRecord>(Item) : undefined;
    }
    const { Items = [] } = await this.explained('dynamodb:Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
          ExpressionAttributeValues: { ':pk': `PIPELINE#${name}`, ':version': 'VERSION#' },
          ScanIndexForward: false,
          Limit: 1,
        }),
      ),
    );
    return Items[0] ? withoutKeys<PipelineVersionRecord>(Items[0]) : undefined;
  }

  async listPipelines(): Promise<PipelineVersionRecord[]> {
    const items = await this.allItems(
      'dynamodb:Query',
      () =>
        paginateQuery(
          { client: this.client },
          { TableName: this.tableName, IndexName: BY_PIPELINE, KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': ALL_PIPELINES } },
        ),
      { indexName: BY_PIPELINE },
    );
    // Versions come in ascending order, so the last one kept for each name is its latest.
    const latest = new Map(items.map((item) => withoutKeys<PipelineVersionRecord>(item)).map((version) => [version.name, version]));
    return [...latest.values()];
  }

  async deletePipeline(name: string): Promise<boolean> {
    // A query page stops at 1 MB read, which a pipeline's versions can exceed: read every page.
    const keys = await this.allItems('dynamodb:Query', () =>
      paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `PIPELINE#${name}` },
          ProjectionExpression: 'pk, sk',
        },
      ),
    );
    for (const key of keys) {
      await this.deleteItem({ Key: { pk: key.pk, sk: key.sk } });
    }
    return keys.length > 0;
  }

  async getPolledRevision(pipelineName: string, actionName: string): Promise<string | undefined> {
    const { Item } = await this.getItem({ Key: polledRevisionKey(pipelineName, actionName), ConsistentRead: true });
    return Item ? (Item.marker as string) : undefined;
  }

  recordPolledRevision(pipelineName: string, actionName: string, marker: string, previous: string | undefined): Promise<boolean> {
    return unlessConditionFails(
      this.putItem({
        Item: { ...polledRevisionKey(pipelineName, actionName), marker },
        ...(previous === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'marker = :previous', ExpressionAttributeValues: { ':previous': previous } }),
      }),
    );
  }

  async getPipelineTags(name: string): Promise<PipelineTags> {
    const { Item } = await this.getItem({ Key: pipelineKey(name, TAGS_SK), ConsistentRead: true });
    return Item ? { tags: Item.tags as Tag[], revision: Item.revision as number } : { tags: [], revision: 0 };
  }

  putPipelineTags(name: string, tags: Tag[], revision: number): Promise<boolean> {
    return unlessConditionFails(
      this.putItem({
        Item: { ...pipelineKey(name, TAGS_SK), tags, revision: revision + 1 },
        ConditionExpression: revision === 0 ? 'attribute_not_exists(pk)' : 'revision = :revision',
        ...(revision === 0 ? {} : { ExpressionAttributeValues: { ':revision': revision } }),
      }),
    );
  }

  async claimRequestToken(pipelineName: string, token: string, executionId: string): Promise<string> {
    const claimed = await unlessConditionFails(
      this.putItem({
        Item: { ...requestTokenKey(pipelineName, token), executionId },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    if (claimed) return executionId;
    const { Item } = await this.getItem({ Key: requestTokenKey(pipelineName, token), ConsistentRead: true });
    // Released between the two calls: the token is free again.
    return Item ? (Item.executionId as string) : this.claimRequestToken(pipelineName, token, executionId);
  }

  async releaseRequestToken(pipelineName: string, token: string, executionId: string): Promise<void> {
    await unlessConditionFails(
      this.deleteItem({
        Key: requestTokenKey(pipelineName, token),
        ConditionExpression: 'executionId = :id',
        ExpressionAttributeValues: { ':id': executionId },
      }),
    );
  }

  recordDelivery(deliveryId: string, ttlEpochSeconds: number, nowEpochSeconds: number): Promise<boolean> {
    return unlessConditionFails(
      this.putItem({
        Item: { ...deliveryKey(deliveryId), ttl: ttlEpochSeconds },
        // DynamoDB deletes expired items up to days late, and the embedded one never: an expired id is free again.
        ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':now': nowEpochSeconds },
      }),
    );
  }

  /** A scan, for the local runtime, whose DynamoDB never expires items. */
  async listExpiredDeliveries(nowEpochSeconds: number): Promise<string[]> {
    const items = await this.scan({
      FilterExpression: 'sk = :sk AND #ttl < :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':sk': DELIVERY_SK, ':now': nowEpochSeconds },
      ProjectionExpression: 'pk',
    });
    return items.map((item) => String(item.pk).slice(DELIVERY_PREFIX.length));
  }

  async deleteExpiredDelivery(deliveryId: string, nowEpochSeconds: number): Promise<void> {
    await unlessConditionFails(
      this.deleteItem({
        Key: deliveryKey(deliveryId),
        ConditionExpression: '#ttl < :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':now': nowEpochSeconds },
      }),
    );
  }

  /** The last place taken in an execution's event log; 0 while it is empty. */
  private async lastEventPlace(executionId: string): Promise<number> {
    const { Items = [] } = await this.explained('dynamodb:Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :end',
          ExpressionAttributeValues: { ':pk': `EXECUTION#${executionId}`, ':first': eventSk(1), ':end': eventSk(MAX_EVENT_PLACE) },
          ProjectionExpression: 'place',
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    return (Items[0]?.place as number | undefined) ?? 0;
  }

  /** The place an event is going to, from its own item. */
  private async eventPlace(key: { pk: string; sk: string }): Promise<number> {
    const { Item } = await this.getItem({ Key: key, ConsistentRead: true });
    return Item!.place as number;
  }

  /** The log's places after `after`, read consistently: a place just taken is never missed. */
  private async eventItems(executionId: string, after: number): Promise<{ place: number; event: PipelineEvent }[]> {
    const items = await this.allItems('dynamodb:Query', () =>
      paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :after AND :end',
          ExpressionAttributeValues: { ':pk': `EXECUTION#${executionId}`, ':after': eventSk(after + 1), ':end': eventSk(MAX_EVENT_PLACE) },
          ConsistentRead: true,
        },
      ),
    );
    return items.map((item) => withoutKeys<{ place: number; event: PipelineEvent }>(item));
  }

  private async queryParts<T>(executionId: string, prefix: string): Promise<T[]> {
    const items = await this.allItems('dynamodb:Query', () =>
      paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `EXECUTION#${executionId}`, ':prefix': prefix },
        },
      ),
    );
    return items.map((item) => withoutKeys<T>(item));
  }

  /** Every item of the table that the filter keeps. */
  private scan(filter: Omit<ScanCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    return this.allItems('dynamodb:Scan', () => paginateScan({ client: this.client }, { TableName: this.tableName, ...filter }));
  }

  /** Every item of every page, with an AccessDenied on any page explained. */
  private allItems(
    action: string,
    pages: () => AsyncIterable<{ Items?: Record<string, unknown>[] }>,
    options: { indexName?: string } = {},
  ): Promise<Record<string, unknown>[]> {
    return this.explained(
      action,
      async () => {
        const items: Record<string, unknown>[] = [];
        for await (const page of pages()) items.push(...(page.Items ?? []));
        return items;
      },
      options,
    );
  }
}
