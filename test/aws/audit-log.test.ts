import { describeAuditLogContract } from '../support/contracts/audit-log';
import { motoServers } from './support/moto-clients';

describeAuditLogContract(motoServers);
