import { DynamoDbAuditLog } from '../../../lib/adapters/aws/dynamodb-audit-log';
import type { AuditRecord } from '../../../lib/core/audit';
import { InvalidNextTokenError } from '../../../lib/core/errors';
import { executionTableOn, serversForSuite, type ServerKind } from './servers';

function record(id: string, time: string, pipelineName: string, fields: Partial<AuditRecord> = {}): AuditRecord {
  return { id, time, who: 'ada', from: 'cli', operation: 'StartPipelineExecution', pipelineName, ...fields };
}

/** What the AuditLog port promises, of DynamoDbAuditLog on a table of its own on the servers of `kind`. */
export function describeAuditLogContract(kind: ServerKind): void {
  describe(`DynamoDbAuditLog on ${kind.name}`, () => {
    const servers = serversForSuite(kind);
    let audit: DynamoDbAuditLog;

    beforeAll(async () => {
      const { documents, table } = await executionTableOn(servers(), 'sluice-audit');
      audit = new DynamoDbAuditLog(documents, table);
      // Written out of order, and two in one millisecond: the listing orders them all the same.
      await audit.record(record('r2', '2026-01-01T00:00:02.000Z', 'webapp'));
      await audit.record(record('r1', '2026-01-01T00:00:01.000Z', 'webapp', { operation: 'CreatePipeline', parameters: { version: 1 } }));
      await audit.record(record('r3', '2026-01-01T00:00:02.000Z', 'api'));
      await audit.record(
        record('r4', '2026-01-01T00:00:03.000Z', 'webapp', {
          operation: 'StopPipelineExecution',
          pipelineExecutionId: 'e-1',
          parameters: { abandon: true },
          reason: 'bad build',
        }),
      );
    });

    it("lists one pipeline's records newest first, each as it was recorded", async () => {
      const { items, nextToken } = await audit.list({ pipelineName: 'webapp', limit: 10 });
      expect(items.map((item) => item.id)).toEqual(['r4', 'r2', 'r1']);
      expect(items[0]).toEqual(
        record('r4', '2026-01-01T00:00:03.000Z', 'webapp', {
          operation: 'StopPipelineExecution',
          pipelineExecutionId: 'e-1',
          parameters: { abandon: true },
          reason: 'bad build',
        }),
      );
      expect(nextToken).toBeUndefined();
    });

    it("lists every pipeline's records newest first", async () => {
      const { items } = await audit.list({ limit: 10 });
      expect(items.map((item) => item.id)).toEqual(['r4', 'r3', 'r2', 'r1']);
    });

    it('pages through the records, a token leading to the next page and none after the last', async () => {
      const first = await audit.list({ limit: 3 });
      expect(first.items.map((item) => item.id)).toEqual(['r4', 'r3', 'r2']);
      const second = await audit.list({ limit: 3, nextToken: first.nextToken! });
      expect(second).toEqual({ items: [expect.objectContaining({ id: 'r1' })] });

      const ofWebapp = await audit.list({ pipelineName: 'webapp', limit: 2 });
      expect(ofWebapp.items.map((item) => item.id)).toEqual(['r4', 'r2']);
      expect((await audit.list({ pipelineName: 'webapp', limit: 2, nextToken: ofWebapp.nextToken! })).items.map((item) => item.id)).toEqual(['r1']);
    });

    it('lists nothing for a name with no records, and refuses a token it did not give', async () => {
      expect(await audit.list({ pipelineName: 'never', limit: 10 })).toEqual({ items: [] });
      await expect(audit.list({ limit: 10, nextToken: 'not-a-token' })).rejects.toThrow(InvalidNextTokenError);
    });
  });
}
