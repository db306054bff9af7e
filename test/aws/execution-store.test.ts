import { describeExecutionStoreContract } from '../support/contracts/execution-store';
import { motoServers } from './support/moto-clients';

describeExecutionStoreContract(motoServers);
