import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SdkAwsClients } from '../adapters/aws/aws-clients';
import type { AwsClients } from '../ports/aws-clients';

let found: Promise<boolean> | undefined;

/** Whether the SDK's standard credential chain finds credentials here; asked once a process. */
export function awsCredentialsFound(): Promise<boolean> {
  return (found ??= fromNodeProviderChain()().then(
    () => true,
    () => false,
  ));
}

/**
 * The clients of the actions that call AWS, on the local runtime: the SDK's credential chain and
 * endpoint variables decide whom they reach (AWS itself, moto_server, LocalStack).
 */
export function localAwsClients(env: NodeJS.ProcessEnv): AwsClients {
  return new SdkAwsClients(localRegion(env));
}

/** The account that local ARNs name. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** The region that AWS calls made locally default to, as the SDK's own variables name it. */
export function localRegion(env: NodeJS.ProcessEnv): string {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}
