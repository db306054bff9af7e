import { describeExecutionStoreContract } from '../support/contracts/execution-store';
import { embeddedServers } from '../support/embedded-stack';

describeExecutionStoreContract(embeddedServers);
