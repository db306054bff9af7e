/**
 * The AWS SDK clients that providers which deploy to AWS services use: built for the action's
 * region, as the action's role where it names one. On AWS they call the services as the action
 * runner's role; locally they follow the SDK's credential chain and its endpoint variables
 * (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), so moto_server or LocalStack can stand in.
 */

/** What an action asks its clients to act as: CodePipeline's action `region` and `roleArn`. */
export interface AwsTarget {
  region?: string;
  roleArn?: string;
}

/** Credentials as the SDK's providers give them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** The part of an SDK client's configuration that the factory sets. */
export interface AwsClientSettings {
  region?: string;
  credentials?: () => Promise<AwsCredentials>;
}

/** An SDK client class, such as CloudFormationClient. */
export type AwsClientClass<C> = new (settings: AwsClientSettings) => C;

export interface AwsClients {
  /** A client of that class for the target; one per class, region and role, kept for reuse. */
  client<C>(Client: AwsClientClass<C>, target?: AwsTarget): C;
}
