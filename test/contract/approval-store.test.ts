import { describeApprovalStoreContract } from '../support/contracts/approval-store';
import { embeddedServers } from '../support/embedded-stack';

describeApprovalStoreContract(embeddedServers);
