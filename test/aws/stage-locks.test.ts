import { describeStageLocksContract } from '../support/contracts/stage-locks';
import { motoServers } from './support/moto-clients';

describeStageLocksContract(motoServers);
