import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

/**
 * Powertools' idempotency records in this process's memory, for the task handlers of local runs.
 * A record guards one Task of one execution, and an execution runs in one process: the records
 * need not outlive it, and keeping them here costs no write to the embedded DynamoDB per Task.
 * The conditions are those of Powertools' DynamoDB layer.
 */
export class InProcessIdempotencyStore extends BasePersistenceLayer {
  private readonly records = new Map<string, IdempotencyRecord>();

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const record = this.records.get(idempotencyKey);
    if (!record) throw new IdempotencyItemNotFoundError(`No idempotency record for ${idempotencyKey}.`);
    return record;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.records.get(record.idempotencyKey);
    if (existing && !replaceable(existing)) {
      throw new IdempotencyItemAlreadyExistsError(`Failed to put record for already existing idempotency key: ${record.idempotencyKey}`, existing);
    }
    this.records.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}

/** An expired record, or one left in progress past its function's time. */
function replaceable(record: IdempotencyRecord): boolean {
  const now = Date.now();
  if (record.expiryTimestamp !== undefined && record.expiryTimestamp < now / 1000) return true;
  return record.getStatus() === 'INPROGRESS' && record.inProgressExpiryTimestamp !== undefined && record.inProgressExpiryTimestamp < now;
}
