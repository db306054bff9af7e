import { BadInputError, ConflictError, ForbiddenError, InternalError, PipelineNotFoundError, SecretNotSetError } from '../../../../lib/core/errors';
import { codePipelineCall, codePipelineError, codePipelineOutput } from '../../../../lib/api/codepipeline/protocol';
import type { HttpRequest } from '../../../../lib/api/http-types';

const request = (headers: Record<string, string>, body: string): HttpRequest => ({ method: 'POST', path: '/', query: {}, headers, body });
const JSON_11 = { 'content-type': 'application/x-amz-json-1.1' };

describe("CodePipeline's JSON 1.1 protocol", () => {
  it('reads the operation from X-Amz-Target and the input from the body; an empty body is an empty input', () => {
    expect(codePipelineCall(request({ ...JSON_11, 'x-amz-target': 'CodePipeline_20150709.GetPipeline' }, '{"name":"p"}'))).toEqual({
      operation: 'GetPipeline',
      input: { name: 'p' },
    });
    expect(codePipelineCall(request({ ...JSON_11, 'x-amz-target': 'CodePipeline_20150709.ListPipelines' }, '')).input).toEqual({});
  });

  it.each([
    [{ ...JSON_11, 'x-amz-target': 'Other_1.GetPipeline' }, '{}', 'UnknownOperationException'],
    [{ ...JSON_11 }, '{}', 'UnknownOperationException'],
    [{ 'content-type': 'application/json', 'x-amz-target': 'CodePipeline_20150709.GetPipeline' }, '{}', 'SerializationException'],
    [{ ...JSON_11, 'x-amz-target': 'CodePipeline_20150709.GetPipeline' }, '{"name":', 'SerializationException'],
    [{ ...JSON_11, 'x-amz-target': 'CodePipeline_20150709.GetPipeline' }, '["p"]', 'SerializationException'],
  ])('refuses %j with body %s as %s', (headers, body, code) => {
    expect(() => codePipelineCall(request(headers, body))).toThrow(expect.objectContaining({ codePipelineCode: code }));
  });

  it('answers timestamps as epoch seconds, with the request id and its own content type', () => {
    const answer = codePipelineOutput({ approvedAt: new Date('2026-12-06T04:00:00.250Z'), nested: [{ at: new Date(0) }] }, 'r-1');

    expect(JSON.parse(answer.body)).toEqual({ approvedAt: 1796529600.25, nested: [{ at: 0 }] });
    expect(answer.headers).toMatchObject({ 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'r-1' });
  });

  it.each([
    [new PipelineNotFoundError('No pipeline p.'), 400, 'PipelineNotFoundException'],
    [new ConflictError('Decided.'), 400, 'ConflictException'],
    [new BadInputError('Bad.'), 400, 'ValidationException'],
    [new ForbiddenError('Wrong signature.', { code: 'InvalidSignatureException' }), 403, 'InvalidSignatureException'],
    [new InternalError('r-2'), 500, 'InternalFailure'],
  ])('answers %p with status %d and __type %s', (error, status, code) => {
    const answer = codePipelineError(error, { authenticated: true, requestId: 'r-2' });

    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body)).toEqual({ __type: code, message: error.message });
  });

  it('tells a caller who did not authenticate only what may be shown to anyone', () => {
    const secret = new SecretNotSetError('arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook', 'webhook secret', 5);

    const answer = JSON.parse(codePipelineError(secret, { authenticated: false, requestId: 'r-3' }).body) as { message: string };

    expect(answer.message).not.toContain('123456789012');
    expect(answer.message).toContain('r-3');
  });
});
