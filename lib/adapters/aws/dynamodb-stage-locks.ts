import type { DisabledTransition, StageLine, StageLocks, StageWaiter, TransitionType } from '../../ports/stage-locks';
import { DynamoDbTable, unlessConditionFails, withoutKeys } from './dynamodb-table';

/** Names hold no "#" (CodePipeline's name pattern), so the key parts cannot run together. */
const stagePartition = (pipeline: string, stage: string) => `STAGE#${pipeline}#${stage}`;
const LOCK_SK = '#LOCK';
const WAITER_PREFIX = 'WAIT#';
const lockKey = (pipeline: string, stage: string) => ({ pk: stagePartition(pipeline, stage), sk: LOCK_SK });
const waiterKey = (pipeline: string, stage: string, executionId: string) => ({ pk: stagePartition(pipeline, stage), sk: `${WAITER_PREFIX}${executionId}` });
const transitionAttribute = (type: TransitionType) => `transition${type}`;

/**
 * Stage locks in the execution table, one partition per stage:
 * - `STAGE#<pipeline>#<stage>` / `#LOCK`: the holder, the ticket counter and the disabled transitions;
 * - `STAGE#<pipeline>#<stage>` / `WAIT#<execution id>`: an execution in line.
 * Every change is a single-item conditional write: no transactions, which the embedded DynamoDB lacks.
 */
export class DynamoDbStageLocks extends DynamoDbTable implements StageLocks {
  async join(pipeline: string, stage: string, waiter: Omit<StageWaiter, 'ticket'>): Promise<StageWaiter> {
    const { Attributes: counter } = await this.updateItem({
      Key: lockKey(pipeline, stage),
      UpdateExpression: 'ADD nextTicket :one',
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    });
    const { Attributes } = await this.updateItem({
      Key: waiterKey(pipeline, stage, waiter.executionId),
      UpdateExpression:
        'SET executionId = :id, taskToken = :token, #mode = :mode, arrivedAt = if_not_exists(arrivedAt, :at), ticket = if_not_exists(ticket, :ticket)',
      ExpressionAttributeNames: { '#mode': 'mode' },
      ExpressionAttributeValues: {
        ':id': waiter.executionId,
        ':token': waiter.taskToken,
        ':mode': waiter.mode,
        ':at': waiter.arrivedAt,
        ':ticket': counter!['nextTicket'] as number,
      },
      ReturnValues: 'ALL_NEW',
    });
    return withoutKeys<StageWaiter>(Attributes!);
  }

  async read(pipeline: string, stage: string): Promise<StageLine> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': stagePartition(pipeline, stage) },
      ConsistentRead: true,
    });
    const lock = items.find((item) => item['sk'] === LOCK_SK);
    const transitions: StageLine['transitions'] = {};
    for (const type of ['Inbound', 'Outbound'] as const) {
      const disabled = lock?.[transitionAttribute(type)] as DisabledTransition | undefined;
      if (disabled) transitions[type] = disabled;
    }
    const waiters = items
      .filter((item) => String(item['sk']).startsWith(WAITER_PREFIX))
      .map((item) => withoutKeys<StageWaiter>(item))
      .sort((a, b) => a.ticket - b.ticket);
    return { ...(typeof lock?.['holder'] === 'string' ? { holder: lock['holder'] } : {}), transitions, waiters };
  }

  acquire(pipeline: string, stage: string, executionId: string): Promise<boolean> {
    return unlessConditionFails(
      this.updateItem({
        Key: lockKey(pipeline, stage),
        UpdateExpression: 'SET holder = :id',
        ConditionExpression: 'attribute_not_exists(holder)',
        ExpressionAttributeValues: { ':id': executionId },
      }),
    );
  }

  release(pipeline: string, stage: string, executionId: string): Promise<boolean> {
    return unlessConditionFails(
      this.updateItem({
        Key: lockKey(pipeline, stage),
        UpdateExpression: 'REMOVE holder',
        ConditionExpression: 'holder = :id',
        ExpressionAttributeValues: { ':id': executionId },
      }),
    );
  }

  leave(pipeline: string, stage: string, executionId: string): Promise<boolean> {
    return unlessConditionFails(this.deleteItem({ Key: waiterKey(pipeline, stage, executionId), ConditionExpression: 'attribute_exists(pk)' }));
  }

  async setTransition(pipeline: string, stage: string, type: TransitionType, disabled: DisabledTransition | undefined): Promise<void> {
    const attribute = transitionAttribute(type);
    await this.updateItem({
      Key: lockKey(pipeline, stage),
      ...(disabled
        ? { UpdateExpression: `SET ${attribute} = :disabled`, ExpressionAttributeValues: { ':disabled': disabled } }
        : { UpdateExpression: `REMOVE ${attribute}` }),
    });
  }

  async forget(pipeline: string, stage: string): Promise<void> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': stagePartition(pipeline, stage) },
      ProjectionExpression: 'pk, sk',
    });
    for (const { pk, sk } of items) await this.deleteItem({ Key: { pk, sk } });
  }
}
