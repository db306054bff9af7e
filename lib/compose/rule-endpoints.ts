import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SecretsManagerSecretStore, SsmParameterStore } from '../adapters/aws/build-secrets';
import { awsRuleServices } from '../adapters/aws/rule-services';
import { localRegion } from './aws-access';
import { ENDPOINT_VARIABLES, type EndpointService } from '../core/endpoints';
import type { ExecutionDependencies } from '../execution/dependencies';
import type { BuildSecrets } from '../ports/build-secrets';

/** The services that an endpoint variable points at: locally, the only ones that rules and builds may call. */
export function awsEndpoints(env: NodeJS.ProcessEnv): EndpointService[] {
  return (Object.keys(ENDPOINT_VARIABLES) as EndpointService[]).filter((service) => env[ENDPOINT_VARIABLES[service]] || env.AWS_ENDPOINT_URL);
}

/** Locally, CloudWatch and Lambda for the rules, where an endpoint variable points at them (moto_server, LocalStack). */
export function localRuleServices(env: NodeJS.ProcessEnv): Pick<ExecutionDependencies, 'alarms' | 'lambdaFunctions'> {
  const endpoints = awsEndpoints(env);
  const services = awsRuleServices(localRegion(env));
  return {
    ...(endpoints.includes('cloudwatch') ? { alarms: services.alarms } : {}),
    ...(endpoints.includes('lambda') ? { lambdaFunctions: services.lambdaFunctions } : {}),
  };
}

/** Locally, Parameter Store and Secrets Manager for the builds' variables, each where an endpoint variable points at it. */
export function localBuildSecrets(env: NodeJS.ProcessEnv): BuildSecrets {
  const endpoints = awsEndpoints(env);
  const region = localRegion(env);
  return {
    ...(endpoints.includes('ssm') ? { parameterStore: new SsmParameterStore(new SSMClient({ region })) } : {}),
    ...(endpoints.includes('secretsmanager') ? { secretsManager: new SecretsManagerSecretStore(new SecretsManagerClient({ region })) } : {}),
  };
}
