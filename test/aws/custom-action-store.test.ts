import { describeCustomActionStoreContract } from '../support/contracts/custom-action-store';
import { motoServers } from './support/moto-clients';

describeCustomActionStoreContract(motoServers);
