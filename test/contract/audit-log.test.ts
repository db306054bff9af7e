import { describeAuditLogContract } from '../support/contracts/audit-log';
import { embeddedServers } from '../support/embedded-stack';

describeAuditLogContract(embeddedServers);
