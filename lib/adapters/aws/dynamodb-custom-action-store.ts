import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { CustomActionTypeId, CustomActionTypeRecord } from '../../core/custom-action-types';
import type { CustomActionStore, JobRecord, JobStatus } from '../../ports/custom-action-store';
import { DynamoDbTable, unlessConditionFails, withoutKeys } from './dynamodb-table';

const typeName = (id: CustomActionTypeId) => `${id.category}#${id.provider}#${id.version}`;
const typeKey = (id: CustomActionTypeId) => ({ pk: `ACTIONTYPE#${typeName(id)}`, sk: '#ACTIONTYPE' });
const jobKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: '#JOB' });
/** Every custom type is listed under one partition of the `byPipeline` index. */
const TYPES_PARTITION = 'CUSTOMACTIONTYPES';
/** A job is in its type's queue partition of the `byPipeline` index only while it is Queued. */
const queuePartition = (id: CustomActionTypeId) => `JOBQUEUE#${typeName(id)}`;

/**
 * Custom action types and their jobs in the execution table:
 * - `ACTIONTYPE#<category>#<provider>#<version>` / `#ACTIONTYPE`: a type, listed under `CUSTOMACTIONTYPES` in `byPipeline`;
 * - `JOB#<id>` / `#JOB`: a job, in its type's `JOBQUEUE#…` partition of `byPipeline` while it is Queued.
 * Each change of a job's status is a conditional write on the status before it.
 */
export class DynamoDbCustomActionStore extends DynamoDbTable implements CustomActionStore {
  async createActionType(record: CustomActionTypeRecord): Promise<boolean> {
    const item = { ...typeKey(record.id), gsi1pk: TYPES_PARTITION, gsi1sk: typeName(record.id), ...record };
    return unlessConditionFails(this.putItem({ Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async getActionType(id: CustomActionTypeId): Promise<CustomActionTypeRecord | undefined> {
    const { Item } = await this.getItem({ Key: typeKey(id) });
    return Item && withoutKeys<CustomActionTypeRecord>(Item);
  }

  async listActionTypes(): Promise<CustomActionTypeRecord[]> {
    return (await this.queryIndex(TYPES_PARTITION)).map((item) => withoutKeys<CustomActionTypeRecord>(item));
  }

  /** The record stays, out of the list, so that the same version cannot be created again. */
  async deleteActionType(id: CustomActionTypeId, deletedAt: string): Promise<boolean> {
    return unlessConditionFails(
      this.updateItem({
        Key: typeKey(id),
        UpdateExpression: 'SET deletedAt = :deletedAt REMOVE gsi1pk, gsi1sk',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':deletedAt': deletedAt },
      }),
    );
  }

  async createJob(record: JobRecord): Promise<void> {
    const item = { ...jobKey(record.jobId), ...this.queueKeys(record), ...record };
    await this.putItem({ Item: item, ConditionExpression: 'attribute_not_exists(pk)' });
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    const { Item } = await this.getItem({ Key: jobKey(jobId) });
    return Item && withoutKeys<JobRecord>(Item);
  }

  async listQueuedJobs(id: CustomActionTypeId, limit: number): Promise<JobRecord[]> {
    return (await this.queryIndex(queuePartition(id), limit)).map((item) => withoutKeys<JobRecord>(item));
  }

  async moveJob(
    jobId: string,
    from: readonly JobStatus[],
    to: JobStatus,
    fields: Partial<Pick<JobRecord, 'nonce' | 'continuedAs' | 'failureDetails'>> = {},
  ): Promise<JobRecord | undefined> {
    const values: Record<string, unknown> = { ':to': to };
    from.forEach((status, index) => (values[`:from${index}`] = status));
    const sets = ['#status = :to'];
    for (const [name, value] of Object.entries(fields)) {
      sets.push(`${name} = :${name}`);
      values[`:${name}`] = value;
    }
    // Out of the queue, a job leaves its queue's partition of the index.
    const update = `SET ${sets.join(', ')}${to === 'Queued' ? '' : ' REMOVE gsi1pk, gsi1sk'}`;
    try {
      const { Attributes } = await this.updateItem({
        Key: jobKey(jobId),
        UpdateExpression: update,
        ConditionExpression: `attribute_exists(pk) AND #status IN (${from.map((_, index) => `:from${index}`).join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      });
      return Attributes && withoutKeys<JobRecord>(Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async deleteJob(jobId: string): Promise<void> {
    await this.deleteItem({ Key: jobKey(jobId) });
  }

  private queueKeys(record: JobRecord): Record<string, string> {
    return record.status === 'Queued' ? { gsi1pk: queuePartition(record.actionTypeId), gsi1sk: `${record.createdAt}#${record.jobId}` } : {};
  }

  private queryIndex(partition: string, limit?: number): Promise<Record<string, unknown>[]> {
    return this.queryAll(
      { IndexName: 'byPipeline', KeyConditionExpression: 'gsi1pk = :partition', ExpressionAttributeValues: { ':partition': partition } },
      limit,
    );
  }
}
