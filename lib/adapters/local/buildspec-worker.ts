import { parentPort, workerData } from 'node:worker_threads';
import { parseBuildspec } from '../../actions/codebuild/buildspec';
import type { BuildspecReply, BuildspecRequest } from './isolated-buildspec';

const { text, source } = workerData as BuildspecRequest;
let reply: BuildspecReply;
try {
  reply = { ok: true, buildspec: parseBuildspec(text, source) };
} catch (error) {
  reply = { ok: false, message: (error as Error).message };
}
parentPort!.postMessage(reply);
