import { parentPort } from 'node:worker_threads';
import { parseBuildspec } from '../../actions/codebuild/buildspec';
import type { BuildspecReply, BuildspecRequest } from './isolated-buildspec';

// One buildspec at a time: the worker is handed one request, and back to the pool once it answers.
parentPort!.on('message', ({ text, source }: BuildspecRequest) => {
  let reply: BuildspecReply;
  try {
    reply = { ok: true, buildspec: parseBuildspec(text, source) };
  } catch (error) {
    reply = { ok: false, message: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
