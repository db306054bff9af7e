import { DynamoDbExecutionStore } from '../adapters/aws/dynamodb-execution-store';
import { awsEnvironment, functionRole } from './aws-environment';
import { functionDocuments } from './aws-function-clients';

let store: DynamoDbExecutionStore | undefined;

/** The execution table alone, for the functions that read or record executions and do nothing else with the stack. */
export const awsExecutionStore = (): DynamoDbExecutionStore =>
  (store ??= new DynamoDbExecutionStore(functionDocuments(), awsEnvironment().tableName, functionRole()));
