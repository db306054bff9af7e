import { describeStageLocksContract } from '../support/contracts/stage-locks';
import { embeddedServers } from '../support/embedded-stack';

describeStageLocksContract(embeddedServers);
