import type { AuditRecord } from '../../core/audit';
import { InvalidNextTokenError } from '../../core/errors';
import { keyIn, tokenOf, type Page } from '../../core/pages';
import type { AuditLog, AuditQuery } from '../../ports/audit-log';
import { DynamoDbTable, withoutKeys } from './dynamodb-table';

/** Every pipeline's records are listed under one partition of the `byPipeline` index. */
const ALL_RECORDS = 'AUDIT';
const BY_PIPELINE = 'byPipeline';

/** Time first, so that a partition reads newest first; the id keeps two records of one millisecond apart. */
const sortKey = (record: AuditRecord) => `${record.time}#${record.id}`;

/** The sort key after which a page starts; a token this listing did not give is refused. */
function afterIn(token: string): string {
  const after = keyIn(token);
  if (after === undefined) throw new InvalidNextTokenError('The nextToken is not one this listing gave: list again without it.');
  return after;
}

/**
 * The audit trail in the execution table: `AUDIT#<pipeline>` / `<time>#<id>`, one partition per
 * pipeline, and every record under `AUDIT` in `byPipeline`. The partition is not the pipeline's
 * own (`PIPELINE#<name>`), so deleting a pipeline leaves its records. They have no `ttl`: the
 * trail is kept as long as the table.
 */
export class DynamoDbAuditLog extends DynamoDbTable implements AuditLog {
  async record(record: AuditRecord): Promise<void> {
    const item = { pk: `AUDIT#${record.pipelineName}`, sk: sortKey(record), gsi1pk: ALL_RECORDS, gsi1sk: sortKey(record), ...record };
    await this.putItem({ Item: item, ConditionExpression: 'attribute_not_exists(pk)' });
  }

  async list({ pipelineName, limit, nextToken }: AuditQuery): Promise<Page<AuditRecord>> {
    const [partition, sort, indexName] = pipelineName === undefined ? ['gsi1pk', 'gsi1sk', BY_PIPELINE] : ['pk', 'sk', undefined];
    const after = nextToken === undefined ? undefined : afterIn(nextToken);
    // One more than asked for tells whether there is a next page.
    const items = await this.queryAll(
      {
        ...(indexName ? { IndexName: indexName } : {}),
        KeyConditionExpression: `${partition} = :partition${after === undefined ? '' : ` AND ${sort} < :after`}`,
        ExpressionAttributeValues: {
          ':partition': pipelineName === undefined ? ALL_RECORDS : `AUDIT#${pipelineName}`,
          ...(after === undefined ? {} : { ':after': after }),
        },
        ScanIndexForward: false,
      },
      limit + 1,
    );
    const records = items.slice(0, limit).map((item) => withoutKeys<AuditRecord>(item));
    const more = items.length > limit;
    return { items: records, ...(more ? { nextToken: tokenOf(sortKey(records[records.length - 1]!)) } : {}) };
  }
}
