import { describeApprovalStoreContract } from '../support/contracts/approval-store';
import { motoServers } from './support/moto-clients';

describeApprovalStoreContract(motoServers);
