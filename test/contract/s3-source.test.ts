import { describeS3SourceContract } from '../support/contracts/s3-source';
import { embeddedServers } from '../support/embedded-stack';

describeS3SourceContract(embeddedServers);
