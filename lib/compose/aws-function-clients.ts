import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsEnvironment } from './aws-environment';

/*
 * The SDK clients of the function's region, each built when first asked for and kept for the
 * container's life, so that warm invocations reuse their connections. One getter per service: a
 * function's bundle holds the SDK packages of the getters its composition calls, and no other
 * (the SDK's packages are free of side effects, so esbuild leaves out those nothing uses).
 */

/** Items read and written as plain objects; undefined attributes are left out rather than refused. */
export const documentClientOf = (dynamodb: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });

let dynamodb: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let eventBridge: EventBridgeClient | undefined;
let sfn: SFNClient | undefined;
let sns: SNSClient | undefined;
let secretsManager: SecretsManagerClient | undefined;

const region = () => awsEnvironment().region;

export const functionDynamoDb = (): DynamoDBClient => (dynamodb ??= new DynamoDBClient({ region: region() }));
export const functionDocuments = (): DynamoDBDocumentClient => (documents ??= documentClientOf(functionDynamoDb()));
export const functionS3 = (): S3Client => (s3 ??= new S3Client({ region: region() }));
export const functionEventBridge = (): EventBridgeClient => (eventBridge ??= new EventBridgeClient({ region: region() }));
export const functionSfn = (): SFNClient => (sfn ??= new SFNClient({ region: region() }));
export const functionSns = (): SNSClient => (sns ??= new SNSClient({ region: region() }));
export const functionSecretsManager = (): SecretsManagerClient => (secretsManager ??= new SecretsManagerClient({ region: region() }));
