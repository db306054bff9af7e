import { describeCustomActionStoreContract } from '../support/contracts/custom-action-store';
import { embeddedServers } from '../support/embedded-stack';

describeCustomActionStoreContract(embeddedServers);
