import fc from 'fast-check';
import { PIPELINE_EXECUTION_STATUSES } from '../../../lib/core/status';
import { BadInputError } from '../../../lib/core/errors';
import { describeRetention, executionsToPrune, parsePruneOptions, retentionPolicy, type RetentionCandidate } from '../../../lib/core/retention';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

const execution = (id: string, overrides: Partial<RetentionCandidate> = {}): RetentionCandidate => ({
  pipelineName: 'webapp',
  pipelineExecutionId: id,
  status: 'Succeeded',
  startTime: daysAgo(1),
  lastUpdateTime: daysAgo(1),
  ...overrides,
});

const ids = (executions: RetentionCandidate[]) => executions.map((entry) => entry.pipelineExecutionId).sort();

describe('retentionPolicy', () => {
  it('keeps 90 days when nothing is set', () => {
    expect(retentionPolicy(undefined)).toEqual({ keepDays: 90 });
  });

  it('takes each rule from the settings, and from the options over them', () => {
    expect(retentionPolicy({ keepExecutions: 10 })).toEqual({ keepDays: 90, keepExecutions: 10 });
    expect(retentionPolicy({ keepExecutions: 10, keepDays: 30 }, { keepDays: 7 })).toEqual({ keepDays: 7, keepExecutions: 10 });
    expect(retentionPolicy({ keepDays: 30 }, { keepExecutions: 3, keepDays: undefined })).toEqual({ keepDays: 30, keepExecutions: 3 });
  });
});

describe('describeRetention', () => {
  it('says what is kept', () => {
    expect(describeRetention({ keepDays: 90 })).toBe('finished executions that ended in the last 90 days');
    expect(describeRetention({ keepExecutions: 5, keepDays: 30 })).toBe('the newest 5 finished executions of each pipeline that ended in the last 30 days');
  });
});

describe('executionsToPrune', () => {
  it('lets go of finished executions outside the newest N of each pipeline', () => {
    const executions = [
      execution('a1', { startTime: daysAgo(3) }),
      execution('a2', { startTime: daysAgo(2) }),
      execution('a3', { startTime: daysAgo(1) }),
      execution('b1', { pipelineName: 'api', startTime: daysAgo(5) }),
    ];
    expect(ids(executionsToPrune(executions, { keepExecutions: 2 }, NOW))).toEqual(['a1']);
  });

  it('lets go of finished executions that ended more than D days ago, whenever they started', () => {
    const executions = [
      execution('old', { startTime: daysAgo(40), lastUpdateTime: daysAgo(31) }),
      execution('long', { startTime: daysAgo(40), lastUpdateTime: daysAgo(29) }),
    ];
    expect(ids(executionsToPrune(executions, { keepDays: 30 }, NOW))).toEqual(['old']);
  });

  it('applies each rule: an execution goes when either lets it go', () => {
    const executions = [
      execution('newest-but-old', { startTime: daysAgo(50), lastUpdateTime: daysAgo(50) }),
      execution('older', { startTime: daysAgo(60), lastUpdateTime: daysAgo(2) }),
      execution('kept', { startTime: daysAgo(3), lastUpdateTime: daysAgo(1) }),
    ];
    expect(ids(executionsToPrune(executions, { keepExecutions: 2, keepDays: 30 }, NOW))).toEqual(['newest-but-old', 'older']);
  });

  it('never lets go of a running execution, and does not count it among the newest', () => {
    const executions = [
      execution('waiting', { status: 'InProgress', startTime: daysAgo(200), lastUpdateTime: daysAgo(200) }),
      execution('stopping', { status: 'Stopping', startTime: daysAgo(100), lastUpdateTime: daysAgo(100) }),
      execution('finished', { startTime: daysAgo(2), lastUpdateTime: daysAgo(2) }),
    ];
    expect(ids(executionsToPrune(executions, { keepExecutions: 1, keepDays: 1 }, NOW))).toEqual(['finished']);
    expect(ids(executionsToPrune(executions, { keepExecutions: 1 }, NOW))).toEqual([]);
  });

  const candidates = fc.array(
    fc
      .record({
        pipelineName: fc.constantFrom('webapp', 'api', 'site'),
        pipelineExecutionId: fc.uuid(),
        status: fc.constantFrom(...PIPELINE_EXECUTION_STATUSES),
        start: fc.integer({ min: 0, max: 400 * DAY }),
        duration: fc.integer({ min: 0, max: 10 * DAY }),
      })
      .map(({ start, duration, ...rest }): RetentionCandidate => ({
        ...rest,
        startTime: new Date(NOW.getTime() - start).toISOString(),
        lastUpdateTime: new Date(Math.min(NOW.getTime(), NOW.getTime() - start + duration)).toISOString(),
      })),
    { maxLength: 40 },
  );
  const policies = fc.record({
    keepExecutions: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
    keepDays: fc.option(fc.integer({ min: 1, max: 365 }), { nil: undefined }),
  });

  it('keeps every running execution, and keeps within each rule given, whatever the executions', () => {
    fc.assert(
      fc.property(candidates, policies, (executions, policy) => {
        const pruned = new Set(executionsToPrune(executions, policy, NOW));
        const kept = executions.filter((entry) => !pruned.has(entry));
        for (const entry of pruned) expect(['InProgress', 'Stopping']).not.toContain(entry.status);
        for (const entry of executions.filter((candidate) => candidate.status === 'InProgress' || candidate.status === 'Stopping'))
          expect(kept).toContain(entry);
        const keptFinished = kept.filter((entry) => entry.status !== 'InProgress' && entry.status !== 'Stopping');
        if (policy.keepExecutions !== undefined) {
          for (const name of new Set(executions.map((entry) => entry.pipelineName))) {
            expect(keptFinished.filter((entry) => entry.pipelineName === name).length).toBeLessThanOrEqual(policy.keepExecutions);
          }
        }
        if (policy.keepDays !== undefined) {
          for (const entry of keptFinished) expect(NOW.getTime() - Date.parse(entry.lastUpdateTime)).toBeLessThanOrEqual(policy.keepDays * DAY);
        }
      }),
    );
  });

  it('lets go only of an execution that some rule lets go: one with N newer finished ones of its pipeline, or too old', () => {
    fc.assert(
      fc.property(candidates, policies, (executions, policy) => {
        const pruned = executionsToPrune(executions, policy, NOW);
        for (const entry of pruned) {
          const newerFinished = executions.filter(
            (other) =>
              other.pipelineName === entry.pipelineName &&
              other !== entry &&
              !['InProgress', 'Stopping'].includes(other.status) &&
              other.startTime >= entry.startTime,
          );
          const tooMany = policy.keepExecutions !== undefined && newerFinished.length >= policy.keepExecutions;
          const tooOld = policy.keepDays !== undefined && NOW.getTime() - Date.parse(entry.lastUpdateTime) > policy.keepDays * DAY;
          expect(tooMany || tooOld).toBe(true);
        }
      }),
    );
  });

  it('lets go of nothing when the newest N of each pipeline are all there is and none is too old', () => {
    fc.assert(
      fc.property(candidates, (executions) => {
        expect(executionsToPrune(executions, { keepExecutions: 1000, keepDays: 1000 }, NOW)).toEqual([]);
      }),
    );
  });
});

describe('parsePruneOptions', () => {
  it('takes whole numbers of at least 1 and a boolean, and refuses anything else naming the key', () => {
    expect(parsePruneOptions({ keepExecutions: 3, keepDays: 7, dryRun: true })).toEqual({ keepExecutions: 3, keepDays: 7, dryRun: true });
    expect(parsePruneOptions(undefined)).toEqual({});
    expect(() => parsePruneOptions({ keepDays: 0 })).toThrow(/keepDays: .*\. keepExecutions and keepDays are whole numbers/s);
    expect(() => parsePruneOptions({ keepExecutions: 1.5 })).toThrow(/keepExecutions/);
    expect(() => parsePruneOptions({ dryRun: 'yes' })).toThrow(/dryRun/);
    expect(() => parsePruneOptions({ keepWeeks: 2 })).toThrow(BadInputError);
  });
});
