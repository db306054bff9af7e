import { awsRuleServices } from '../adapters/aws/rule-services';
import { localRegion } from './aws-access';
import type { RuleService } from '../core/rules';
import type { ExecutionDependencies } from '../execution/dependencies';

/** The variable of each service's own endpoint, as the AWS SDKs read them. */
const SERVICE_VARIABLES: Record<RuleService, string> = { cloudwatch: 'AWS_ENDPOINT_URL_CLOUDWATCH', lambda: 'AWS_ENDPOINT_URL_LAMBDA' };

/** The services that rules call which an endpoint variable points at: locally, the only ones a rule may call. */
export function ruleEndpoints(env: NodeJS.ProcessEnv): RuleService[] {
  return (Object.keys(SERVICE_VARIABLES) as RuleService[]).filter((service) => env[SERVICE_VARIABLES[service]] || env.AWS_ENDPOINT_URL);
}

/** Locally, CloudWatch and Lambda for the rules, where an endpoint variable points at them (moto_server, LocalStack). */
export function localRuleServices(env: NodeJS.ProcessEnv): Pick<ExecutionDependencies, 'alarms' | 'lambdaFunctions'> {
  const endpoints = ruleEndpoints(env);
  const services = awsRuleServices(localRegion(env));
  return {
    ...(endpoints.includes('cloudwatch') ? { alarms: services.alarms } : {}),
    ...(endpoints.includes('lambda') ? { lambdaFunctions: services.lambdaFunctions } : {}),
  };
}
