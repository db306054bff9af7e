import { DynamoDbStageLocks } from '../../../lib/adapters/aws/dynamodb-stage-locks';
import type { ExecutionMode } from '../../../lib/core/declaration';
import type { DisabledTransition } from '../../../lib/ports/stage-locks';
import { executionTableOn, racing, serversForSuite, type ServerKind } from './servers';

const waiter = (executionId: string, taskToken: string, arrivedAt = '2025-01-01T00:00:00.000Z', mode: ExecutionMode = 'QUEUED') => ({
  executionId,
  taskToken,
  mode,
  arrivedAt,
});

const disabled = (reason: string): DisabledTransition => ({
  disabledReason: reason,
  lastChangedBy: 'arn:aws:iam::123456789012:user/ada',
  lastChangedAt: '2025-01-01T00:00:00.000Z',
});

/** What the StageLocks port promises, of DynamoDbStageLocks on a table of its own on the servers of `kind`. */
export function describeStageLocksContract(kind: ServerKind): void {
  describe(`DynamoDbStageLocks on ${kind.name}`, () => {
    const servers = serversForSuite(kind);
    let locks: DynamoDbStageLocks;
    /** Each test has a pipeline of its own, so that its lines start empty. */
    let pipelines = 0;
    let pipeline: string;

    beforeAll(async () => {
      const { documents, table } = await executionTableOn(servers(), 'sluice-stage-locks');
      locks = new DynamoDbStageLocks(documents, table);
    });

    beforeEach(() => {
      pipeline = `webapp${++pipelines}`;
    });

    it('reads a stage nobody has touched as free, with its transitions enabled and nobody in line', async () => {
      expect(await locks.read(pipeline, 'Build')).toEqual({ transitions: {}, waiters: [] });
    });

    it('gives each arrival a higher ticket, and reads the line in ticket order whatever the names', async () => {
      const arrived = [];
      for (const id of ['e-c', 'e-a', 'e-b']) arrived.push(await locks.join(pipeline, 'Build', waiter(id, `${id}-token`)));
      const tickets = arrived.map((entry) => entry.ticket);
      expect([...tickets].sort((a, b) => a - b)).toEqual(tickets);
      expect(new Set(tickets).size).toBe(3);

      const { waiters } = await locks.read(pipeline, 'Build');
      expect(waiters).toEqual(arrived);
      expect(waiters.map((entry) => entry.executionId)).toEqual(['e-c', 'e-a', 'e-b']);
      // Another stage of the pipeline has a line of its own.
      expect((await locks.read(pipeline, 'Deploy')).waiters).toEqual([]);
    });

    it('gives arrivals at once tickets of their own', async () => {
      const ids = ['e-1', 'e-2', 'e-3', 'e-4'];
      const arrived = await racing(
        kind,
        ids.map((id) => () => locks.join(pipeline, 'Build', waiter(id, `${id}-token`))),
      );
      expect(new Set(arrived.map((entry) => entry.ticket)).size).toBe(ids.length);
      const { waiters } = await locks.read(pipeline, 'Build');
      expect(waiters.map((entry) => entry.ticket)).toEqual(arrived.map((entry) => entry.ticket).sort((a, b) => a - b));
    });

    it('keeps the place in line of an execution that joins again, and takes its new token', async () => {
      const first = await locks.join(pipeline, 'Build', waiter('e-retried', 'first-token', '2025-01-01T00:00:01.000Z'));
      const behind = await locks.join(pipeline, 'Build', waiter('e-behind', 'behind-token', '2025-01-01T00:00:02.000Z'));
      const again = await locks.join(pipeline, 'Build', waiter('e-retried', 'second-token', '2025-01-01T00:00:03.000Z'));

      expect(again).toEqual({ ...first, taskToken: 'second-token' });
      expect(again.ticket).toBeLessThan(behind.ticket);
      expect((await locks.read(pipeline, 'Build')).waiters).toEqual([again, behind]);
    });

    it('lets exactly one of two executions take a free lock, and nobody else while it holds it', async () => {
      const outcomes = await racing(kind, [() => locks.acquire(pipeline, 'Build', 'e-alice'), () => locks.acquire(pipeline, 'Build', 'e-bob')]);

      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const winner = outcomes[0] ? 'e-alice' : 'e-bob';
      expect((await locks.read(pipeline, 'Build')).holder).toBe(winner);
      expect(await locks.acquire(pipeline, 'Build', 'e-carol')).toBe(false);
      expect(await locks.acquire(pipeline, 'Build', winner)).toBe(false);
      expect((await locks.read(pipeline, 'Build')).holder).toBe(winner);
    });

    it('lets go of a lock only for its holder, once', async () => {
      expect(await locks.release(pipeline, 'Build', 'e-nobody')).toBe(false);
      expect(await locks.acquire(pipeline, 'Build', 'e-holder')).toBe(true);

      expect(await locks.release(pipeline, 'Build', 'e-other')).toBe(false);
      expect((await locks.read(pipeline, 'Build')).holder).toBe('e-holder');
      expect(await locks.release(pipeline, 'Build', 'e-holder')).toBe(true);
      expect(await locks.read(pipeline, 'Build')).not.toHaveProperty('holder');
      expect(await locks.release(pipeline, 'Build', 'e-holder')).toBe(false);
      // Free again: the next one takes it.
      expect(await locks.acquire(pipeline, 'Build', 'e-other')).toBe(true);
    });

    it('takes a waiter out of the line exactly once, when two processes take it at once', async () => {
      await locks.join(pipeline, 'Build', waiter('e-first', 'first-token'));
      await locks.join(pipeline, 'Build', waiter('e-second', 'second-token'));

      const outcomes = await racing(kind, [() => locks.leave(pipeline, 'Build', 'e-first'), () => locks.leave(pipeline, 'Build', 'e-first')]);

      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect((await locks.read(pipeline, 'Build')).waiters.map((entry) => entry.executionId)).toEqual(['e-second']);
      expect(await locks.leave(pipeline, 'Build', 'e-first')).toBe(false);
      expect(await locks.leave(pipeline, 'Build', 'e-absent')).toBe(false);
    });

    it('disables and enables each transition, leaving the lock and the line as they were', async () => {
      const joined = await locks.join(pipeline, 'Build', waiter('e-waiting', 'waiting-token'));
      await locks.acquire(pipeline, 'Build', 'e-holder');

      await locks.setTransition(pipeline, 'Build', 'Inbound', disabled('freeze'));
      await locks.setTransition(pipeline, 'Build', 'Outbound', disabled('hold the release'));
      expect(await locks.read(pipeline, 'Build')).toEqual({
        holder: 'e-holder',
        transitions: { Inbound: disabled('freeze'), Outbound: disabled('hold the release') },
        waiters: [joined],
      });

      await locks.setTransition(pipeline, 'Build', 'Inbound', undefined);
      expect(await locks.read(pipeline, 'Build')).toEqual({ holder: 'e-holder', transitions: { Outbound: disabled('hold the release') }, waiters: [joined] });
      await locks.setTransition(pipeline, 'Build', 'Outbound', undefined);
      // Enabling an enabled transition changes nothing.
      await locks.setTransition(pipeline, 'Build', 'Outbound', undefined);
      expect(await locks.read(pipeline, 'Build')).toEqual({ holder: 'e-holder', transitions: {}, waiters: [joined] });
      // A transition of a stage nobody has reached yet: disabling it makes the lock item, free.
      await locks.setTransition(pipeline, 'Deploy', 'Inbound', disabled('not yet'));
      expect(await locks.read(pipeline, 'Deploy')).toEqual({ transitions: { Inbound: disabled('not yet') }, waiters: [] });
      expect(await locks.acquire(pipeline, 'Deploy', 'e-holder')).toBe(true);
    });
  });
}
