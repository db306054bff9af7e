import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { AlarmState, AlarmStates, FunctionAnswer, FunctionInvoker } from '../../ports/rule-services';

/** One client for each region asked about; a rule that names no region gets the default one. */
function perRegion<T>(create: (region?: string) => T): (region?: string) => T {
  const clients = new Map<string, T>();
  return (region) => {
    let client = clients.get(region ?? '');
    if (!client) clients.set(region ?? '', (client = create(region)));
    return client;
  };
}

/** Alarm states from CloudWatch's DescribeAlarms. */
export class CloudWatchAlarmStates implements AlarmStates {
  private readonly client: (region?: string) => CloudWatchClient;

  constructor(create: (region?: string) => CloudWatchClient) {
    this.client = perRegion(create);
  }

  async stateOf(alarmName: string, region?: string): Promise<AlarmState | undefined> {
    const { MetricAlarms = [], CompositeAlarms = [] } = await this.client(region).send(
      new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    return [...MetricAlarms, ...CompositeAlarms][0]?.StateValue;
  }
}

/** Lambda's Invoke, synchronous. */
export class LambdaFunctionInvoker implements FunctionInvoker {
  private readonly client: (region?: string) => LambdaClient;

  constructor(create: (region?: string) => LambdaClient) {
    this.client = perRegion(create);
  }

  async invoke(functionName: string, payload: string, region?: string): Promise<FunctionAnswer> {
    const answer = await this.client(region).send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(payload) }),
    );
    const text = new TextDecoder().decode(answer.Payload ?? new Uint8Array());
    return { ...(answer.FunctionError ? { functionError: answer.FunctionError } : {}), payload: text };
  }
}

/** The rule services over the SDK's clients, whose endpoints come from the SDK's usual chain (AWS_ENDPOINT_URL_...). */
export function awsRuleServices(defaultRegion: string | undefined): { alarms: AlarmStates; lambdaFunctions: FunctionInvoker } {
  return {
    alarms: new CloudWatchAlarmStates((region) => new CloudWatchClient({ region: region ?? defaultRegion })),
    lambdaFunctions: new LambdaFunctionInvoker((region) => new LambdaClient({ region: region ?? defaultRegion })),
  };
}
