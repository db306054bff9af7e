import { BadInputError } from '../../../lib/core/errors';
import { matchesEventPattern, parseEventPattern } from '../../../lib/core/event-pattern';

/**
 * The examples of AWS's documentation, each with an event it matches and one it does not:
 * - "Creating Amazon EventBridge event patterns":
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * - "Matching null values and empty strings":
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
 * - "Arrays in Amazon EventBridge event patterns":
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 * - "Content filtering in Amazon EventBridge event patterns":
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
 * - "Comparison operators for use in event patterns":
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 * Patterns go through parseEventPattern first, so every documented pattern is also accepted.
 */
const matches = (pattern: unknown, event: unknown) => matchesEventPattern(parseEventPattern(pattern), event);

// The EC2 event of "Creating Amazon EventBridge event patterns".
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

// The Auto Scaling event of "Matching null values and empty strings".
const autoScalingEvent = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

const withDetail = (detail: Record<string, unknown>) => ({ ...ec2Event, detail });

describe('matchesEventPattern', () => {
  describe('creating event patterns', () => {
    it('matches the EC2 termination pattern, and not another state or source', () => {
      const pattern = { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } };
      expect(matches(pattern, ec2Event)).toBe(true);
      expect(matches(pattern, withDetail({ state: 'running' }))).toBe(false);
      expect(matches(pattern, { ...ec2Event, source: 'aws.autoscaling' })).toBe(false);
    });

    it('matches any of the listed values: "aws.ec2" or "aws.fargate"', () => {
      const pattern = { source: ['aws.ec2', 'aws.fargate'] };
      expect(matches(pattern, ec2Event)).toBe(true);
      expect(matches(pattern, { ...ec2Event, source: 'aws.fargate' })).toBe(true);
      expect(matches(pattern, { ...ec2Event, source: 'aws.ecs' })).toBe(false);
    });

    it('needs every field the pattern names, with the same nesting', () => {
      expect(matches({ detail: { state: ['terminated'] } }, { ...ec2Event, detail: undefined, state: 'terminated' })).toBe(false);
      expect(matches({ region: ['us-west-1'], account: ['111122223333'] }, ec2Event)).toBe(true);
    });

    it('matches character by character, without case folding', () => {
      expect(matches({ source: ['AWS.EC2'] }, ec2Event)).toBe(false);
    });

    it('matches nested values: a Macie alert with risk score 80 and trigger risk 8', () => {
      const pattern = { source: ['aws.macie'], 'detail-type': ['Macie Alert'], detail: { 'risk-score': [80], trigger: { risk: [8] } } };
      const alert = { source: 'aws.macie', 'detail-type': 'Macie Alert', detail: { 'risk-score': 80, trigger: { 'alert-type': 'basic', risk: 8 } } };
      expect(matches(pattern, alert)).toBe(true);
      expect(matches(pattern, { ...alert, detail: { ...alert.detail, trigger: { risk: 7 } } })).toBe(false);
    });

    it('compares numbers as numbers of the same type, never with their text', () => {
      expect(matches({ detail: { 'risk-score': [80] } }, { detail: { 'risk-score': '80' } })).toBe(false);
      expect(matches({ detail: { flag: [true] } }, { detail: { flag: true } })).toBe(true);
      expect(matches({ detail: { flag: [true] } }, { detail: { flag: 'true' } })).toBe(false);
    });
  });

  describe('null values and empty strings', () => {
    it('matches an empty string with [""]', () => {
      expect(matches({ detail: { eventVersion: [''] } }, autoScalingEvent)).toBe(true);
      expect(matches({ detail: { eventVersion: [''] } }, { ...autoScalingEvent, detail: { eventVersion: '1.0' } })).toBe(false);
    });

    it('matches null with [null], and neither stands for the other', () => {
      expect(
        matches({ source: ['aws.autoscaling'], 'detail-type': ['EC2 Instance Launch Successful'], detail: { responseElements: [null] } }, autoScalingEvent),
      ).toBe(true);
      expect(matches({ detail: { responseElements: [''] } }, autoScalingEvent)).toBe(false);
      expect(matches({ detail: { eventVersion: [null] } }, autoScalingEvent)).toBe(false);
      expect(matches({ detail: { responseElements: [null] } }, { ...autoScalingEvent, detail: {} })).toBe(false);
    });
  });

  describe('arrays', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };

    it('matches an array in the event when it shares an element with the pattern', () => {
      const resources = [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ];
      expect(matches(pattern, { resources })).toBe(true);
      expect(matches(pattern, { resources: resources.slice(0, 1) })).toBe(false);
      expect(matches(pattern, { resources: [] })).toBe(false);
    });

    it('applies operators to each element, and nested patterns to each object of an array', () => {
      expect(matches({ detail: { tags: [{ prefix: 'Insider' }] } }, { detail: { tags: ['Custom_Alert', 'Insider'] } })).toBe(true);
      const items = {
        detail: {
          items: [
            { sku: 'a', count: 1 },
            { sku: 'b', count: 5 },
          ],
        },
      };
      expect(matches({ detail: { items: { sku: ['b'], count: [{ numeric: ['>', 3] }] } } }, items)).toBe(true);
      // Both fields must hold in one element.
      expect(matches({ detail: { items: { sku: ['a'], count: [{ numeric: ['>', 3] }] } } }, items)).toBe(false);
    });
  });

  describe('prefix and suffix', () => {
    it('matches a prefix of a string: any event on 2017-10-02', () => {
      const pattern = { time: [{ prefix: '2017-10-02' }] };
      expect(matches(pattern, { time: '2017-10-02T18:43:48Z' })).toBe(true);
      expect(matches(pattern, { time: '2017-10-03T18:43:48Z' })).toBe(false);
    });

    it('matches a prefix regardless of case with equals-ignore-case', () => {
      const pattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
      for (const service of ['EventBridge', 'EVENTBRIDGE', 'eventbridge']) expect(matches(pattern, { detail: { service } })).toBe(true);
      expect(matches(pattern, { detail: { service: 'Lambda' } })).toBe(false);
    });

    it('matches a suffix: a .png file name', () => {
      const pattern = { FileName: [{ suffix: '.png' }] };
      expect(matches(pattern, { FileName: 'image.png' })).toBe(true);
      expect(matches(pattern, { FileName: 'image.PNG' })).toBe(false);
      expect(matches(pattern, { FileName: 'image.jpg' })).toBe(false);
    });

    it('matches a suffix regardless of case with equals-ignore-case', () => {
      const pattern = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
      expect(matches(pattern, { detail: { FileName: 'image.PNG' } })).toBe(true);
      expect(matches(pattern, { detail: { FileName: 'image.gif' } })).toBe(false);
    });

    it('matches strings only: the region of European Auto Scaling events, never a number', () => {
      const pattern = { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] };
      expect(matches(pattern, { source: 'aws.autoscaling', region: 'eu-west-1' })).toBe(true);
      expect(matches(pattern, { source: 'aws.autoscaling', region: 'us-east-1' })).toBe(false);
      expect(matches({ detail: { code: [{ prefix: '12' }] } }, { detail: { code: 123 } })).toBe(false);
    });
  });

  describe('equals-ignore-case', () => {
    it('matches a string in any case', () => {
      const pattern = { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] };
      expect(matches(pattern, ec2Event)).toBe(true);
      expect(matches(pattern, { ...ec2Event, 'detail-type': 'EC2 Instance Launch Successful' })).toBe(false);
      expect(matches({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alice' })).toBe(true);
    });
  });

  describe('wildcard', () => {
    it('matches any run of characters for each *', () => {
      const pattern = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
      expect(matches(pattern, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/orders' })).toBe(true);
      expect(matches(pattern, { EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/orders' })).toBe(false);
    });

    it('matches a .png file within the folder "dir"', () => {
      const pattern = { FileName: [{ wildcard: 'dir/*.png' }] };
      expect(matches(pattern, { FileName: 'dir/photo.png' })).toBe(true);
      expect(matches(pattern, { FileName: 'other/photo.png' })).toBe(false);
      expect(matches(pattern, { FileName: 'dir/photo.png.txt' })).toBe(false);
    });

    it('reads \\* as an asterisk and \\\\ as a backslash', () => {
      expect(matches({ name: [{ wildcard: 'a\\*b' }] }, { name: 'a*b' })).toBe(true);
      expect(matches({ name: [{ wildcard: 'a\\*b' }] }, { name: 'axxb' })).toBe(false);
      expect(matches({ name: [{ wildcard: 'a\\\\*' }] }, { name: 'a\\bc' })).toBe(true);
    });
  });

  describe('anything-but', () => {
    it('matches anything but a string: any state besides "initializing"', () => {
      const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
      expect(matches(pattern, withDetail({ state: 'running' }))).toBe(true);
      expect(matches(pattern, withDetail({ state: 'initializing' }))).toBe(false);
    });

    it('matches anything but a number', () => {
      const pattern = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
      expect(matches(pattern, withDetail({ 'x-limit': 124 }))).toBe(true);
      expect(matches(pattern, withDetail({ 'x-limit': 123 }))).toBe(false);
    });

    it('matches anything but the listed strings, or the listed numbers', () => {
      const states = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
      expect(matches(states, withDetail({ state: 'running' }))).toBe(true);
      expect(matches(states, withDetail({ state: 'overloaded' }))).toBe(false);
      const limits = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
      expect(matches(limits, withDetail({ 'x-limit': 150 }))).toBe(true);
      expect(matches(limits, withDetail({ 'x-limit': 200 }))).toBe(false);
    });

    it('matches anything but a prefix: states not starting with "init", sources not from AWS', () => {
      const pattern = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
      expect(matches(pattern, withDetail({ state: 'running' }))).toBe(true);
      expect(matches(pattern, withDetail({ state: 'initializing' }))).toBe(false);
      const own = { source: [{ 'anything-but': { prefix: 'aws.' } }] };
      expect(matches(own, { source: 'com.example.orders' })).toBe(true);
      expect(matches(own, ec2Event)).toBe(false);
    });

    it('matches anything but a suffix: file names not ending in .txt', () => {
      const pattern = { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } };
      expect(matches(pattern, { detail: { FileName: 'notes.md' } })).toBe(true);
      expect(matches(pattern, { detail: { FileName: 'notes.txt' } })).toBe(false);
    });

    it('matches anything but the listed strings in any case', () => {
      const pattern = { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } };
      expect(matches(pattern, withDetail({ state: 'running' }))).toBe(true);
      expect(matches(pattern, withDetail({ state: 'STOPPED' }))).toBe(false);
      expect(matches({ state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] }, { state: 'INITIALIZING' })).toBe(false);
    });

    it('matches anything but a wildcard: file paths outside any /lib/ folder', () => {
      const pattern = { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } };
      expect(matches(pattern, { detail: { FilePath: '/usr/bin/node' } })).toBe(true);
      expect(matches(pattern, { detail: { FilePath: '/usr/lib/node' } })).toBe(false);
      const either = { detail: { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] } };
      expect(matches(either, { detail: { FilePath: '/usr/share/doc' } })).toBe(true);
      expect(matches(either, { detail: { FilePath: '/usr/bin/node' } })).toBe(false);
    });

    it('excludes all CloudTrail API calls: a detail-type anything-but', () => {
      const pattern = { 'detail-type': [{ 'anything-but': 'AWS API Call via CloudTrail' }] };
      expect(matches(pattern, ec2Event)).toBe(true);
      expect(matches(pattern, { ...ec2Event, 'detail-type': 'AWS API Call via CloudTrail' })).toBe(false);
    });

    it('needs the field to be there', () => {
      expect(matches({ Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Sunny' })).toBe(true);
      expect(matches({ Weather: [{ 'anything-but': ['Raining'] }] }, {})).toBe(false);
    });
  });

  describe('numeric', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };

    it('matches when every comparison holds', () => {
      expect(matches(pattern, withDetail({ 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 }))).toBe(true);
      expect(matches(pattern, withDetail({ 'c-count': 0, 'd-count': 3, 'x-limit': 301.8 }))).toBe(false);
      expect(matches(pattern, withDetail({ 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 }))).toBe(false);
      expect(matches(pattern, withDetail({ 'c-count': 5, 'd-count': 3, 'x-limit': 301.9 }))).toBe(false);
    });

    it('matches JSON numbers only, never numeric text', () => {
      expect(matches(pattern, withDetail({ 'c-count': '5', 'd-count': 3, 'x-limit': 301.8 }))).toBe(false);
    });

    it('matches a price above 10 and at most 20', () => {
      const price = { Price: [{ numeric: ['>', 10, '<=', 20] }] };
      expect(matches(price, { Price: 20 })).toBe(true);
      expect(matches(price, { Price: 10 })).toBe(false);
      expect(matches({ Price: [100] }, { Price: 100 })).toBe(true);
    });
  });

  describe('exists', () => {
    it('exists: true matches an event with a detail.state field, and not one without', () => {
      const pattern = { detail: { state: [{ exists: true }] } };
      const pending = {
        version: '0',
        id: '7bf73129-1428-4cd3-a780-95db273d1602',
        'detail-type': 'EC2 Instance State-change Notification',
        source: 'aws.ec2',
        account: '123456789012',
        time: '2015-11-11T21:29:54Z',
        region: 'us-east-1',
        resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
        detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
      };
      expect(matches(pattern, pending)).toBe(true);
      const withoutState = {
        'detail-type': ['EC2 Instance State-change Notification'],
        resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
        detail: { 'c-count': { c1: 100 } },
      };
      expect(matches(pattern, withoutState)).toBe(false);
    });

    it('exists: false matches a missing field, and a field that is not a leaf', () => {
      const pattern = { detail: { 'c-count': [{ exists: false }] } };
      const base = {
        'detail-type': ['EC2 Instance State-change Notification'],
        resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      };
      expect(matches(pattern, { ...base, detail: { state: ['initializing', 'running'] } })).toBe(true);
      expect(matches(pattern, { ...base, detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } } })).toBe(true);
      expect(matches(pattern, { ...base, detail: { 'c-count': 3 } })).toBe(false);
      expect(matches(pattern, {})).toBe(true);
    });

    it('matches ProductName exists and does not exist', () => {
      expect(matches({ ProductName: [{ exists: true }] }, { ProductName: 'Widget' })).toBe(true);
      expect(matches({ ProductName: [{ exists: false }] }, { ProductName: 'Widget' })).toBe(false);
    });
  });

  describe('$or', () => {
    it('matches when any of the alternatives matches', () => {
      const pattern = {
        detail: {
          $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }],
        },
      };
      expect(matches(pattern, withDetail({ 'c-count': 9, 'd-count': 3 }))).toBe(true);
      expect(matches(pattern, withDetail({ 'x-limit': 301.8 }))).toBe(true);
      expect(matches(pattern, withDetail({ 'c-count': 9, 'd-count': 30, 'x-limit': 1 }))).toBe(false);
    });

    it('is ANDed with the fields beside it: source and (metricName or namespace)', () => {
      const pattern = { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] };
      expect(matches(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/ES' })).toBe(true);
      expect(matches(pattern, { source: 'aws.cloudwatch', metricName: 'WriteLatency', namespace: 'AWS/S3' })).toBe(false);
      expect(matches(pattern, { source: 'aws.ec2', metricName: 'CPUUtilization' })).toBe(false);
    });

    it('nests alternatives that hold several fields: Location is "New York", or Day is "Monday"', () => {
      const pattern = { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] };
      expect(matches(pattern, { Location: 'Boston', Day: 'Monday' })).toBe(true);
      expect(matches(pattern, { Location: 'Boston', Day: 'Tuesday' })).toBe(false);
      const nested = {
        source: ['aws.cloudwatch'],
        $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] }],
      };
      expect(matches(nested, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 })).toBe(true);
      expect(matches(nested, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1 })).toBe(false);
    });
  });

  it('matches the complex example that combines prefix, anything-but and numeric', () => {
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    const event = { time: '2017-10-02T16:24:49Z', detail: { state: 'running', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } };
    expect(matches(pattern, event)).toBe(true);
    expect(matches(pattern, { ...event, detail: { ...event.detail, 'x-limit': 300 } })).toBe(false);
    expect(matches(pattern, { ...event, time: '2017-10-03T00:00:00Z' })).toBe(false);
  });
});

describe('parseEventPattern', () => {
  const problemsOf = (pattern: unknown) => {
    try {
      parseEventPattern(pattern);
    } catch (error) {
      expect(error).toBeInstanceOf(BadInputError);
      return (error as Error).message;
    }
    throw new Error('the pattern was accepted');
  };

  it('reads a pattern from JSON text, as PutRule takes it', () => {
    expect(parseEventPattern('{"source": ["sluice"]}')).toEqual({ source: ['sluice'] });
    expect(problemsOf('{"source": ')).toMatch(/^The event pattern is not JSON/);
  });

  it('names the path and the problem of each malformed part', () => {
    const message = problemsOf({
      source: 'sluice',
      detail: { state: [], stage: [{ contains: 'Build' }], action: [{ prefix: 'a', suffix: 'b' }] },
      resources: [[1]],
    });
    expect(message).toContain('source: must be a list of values to match, such as ["sluice"], or a nested pattern');
    expect(message).toContain('detail.state: lists at least one value to match');
    expect(message).toContain(
      'detail.stage[0]: "contains" is not a match operator; use one of "prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric", "exists"',
    );
    expect(message).toContain('detail.action[0]: a match operator holds exactly one of');
    expect(message).toContain('resources[0]: a match value is a string, a number, true, false, null, or an operator');
  });

  it('checks the operands of each operator', () => {
    expect(problemsOf({ a: [{ prefix: 3 }] })).toContain('a[0].prefix: "prefix" takes a string, or { "equals-ignore-case": "..." }');
    expect(problemsOf({ a: [{ exists: 'yes' }] })).toContain('a[0].exists: "exists" takes true or false');
    expect(problemsOf({ a: [{ 'anything-but': ['a', 1] }] })).toContain('"anything-but" takes a non-empty list of only strings or only numbers');
    expect(problemsOf({ a: [{ 'anything-but': { prefix: ['a', 'b'] } }] })).toContain(
      'a[0].anything-but.prefix: "prefix" under "anything-but" takes one string',
    );
    expect(problemsOf({ a: [{ 'anything-but': { numeric: ['>', 1] } }] })).toContain('"numeric" is not an "anything-but" operator');
  });

  it('refuses numeric ranges EventBridge refuses', () => {
    expect(problemsOf({ a: [{ numeric: ['>', 0, '>', 5] }] })).toContain('combines one lower bound (> or >=) with one upper bound (< or <=)');
    expect(problemsOf({ a: [{ numeric: ['=', 1, '<', 5] }] })).toContain('combines one lower bound');
    expect(problemsOf({ a: [{ numeric: ['>', '0'] }] })).toContain('compares with numbers between');
    expect(problemsOf({ a: [{ numeric: ['~', 0] }] })).toContain('takes the operators <, <=, =, >= and >');
    expect(problemsOf({ a: [{ numeric: ['>', 6e9] }] })).toContain('compares with numbers between -5000000000 and 5000000000');
    expect(problemsOf({ a: [{ numeric: ['>'] }] })).toContain('takes one or two comparisons');
  });

  it('refuses consecutive wildcards and stray escapes', () => {
    expect(problemsOf({ a: [{ wildcard: 'a**b' }] })).toContain('has consecutive wildcard characters');
    expect(problemsOf({ a: [{ wildcard: 'a\\b' }] })).toContain('has a backslash that escapes neither');
    expect(parseEventPattern({ a: [{ wildcard: 'a\\**' }] })).toEqual({ a: [{ wildcard: 'a\\**' }] });
  });

  it('takes $or only as a list of two or more patterns', () => {
    expect(problemsOf({ $or: [{ a: ['x'] }] })).toContain('$or: "$or" takes at least two patterns');
    expect(problemsOf({ $or: { a: ['x'] } })).toContain('$or: "$or" takes a list of patterns');
    expect(problemsOf({ $or: [{ a: ['x'] }, { b: 'y' }] })).toContain('$or[1].b: must be a list of values to match');
  });

  it('refuses what is not an object', () => {
    expect(problemsOf(['sluice'])).toContain('(top level): an event pattern is a JSON object');
  });
});
