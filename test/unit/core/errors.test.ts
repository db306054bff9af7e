import * as errors from '../../../lib/core/errors';
import {
  AccessDeniedError,
  BadInputError,
  errorAnswer,
  InternalError,
  InvalidDeclarationError,
  isCatalogued,
  NotFoundError,
  SLUICE_ERRORS,
  SluiceError,
  StoppedError,
} from '../../../lib/core/errors';
import { STOPPED_ERROR } from '../../../lib/core/engine-run-end';
import { EXAMPLE_ERRORS } from '../../support/catalogued-errors';

const accessDenied = () => EXAMPLE_ERRORS.get(AccessDeniedError)!();

describe('the error catalogue', () => {
  it('lists every error class that lib/core/errors.ts exports', () => {
    const exported = Object.values(errors).filter((value) => typeof value === 'function' && value.prototype instanceof SluiceError);

    expect(new Set(exported)).toEqual(new Set(SLUICE_ERRORS));
  });

  it.each(SLUICE_ERRORS.map((type) => [type.name, type] as const))('%s states its own traits, a 4xx or 5xx status, and its errors carry them', (_, type) => {
    const error = EXAMPLE_ERRORS.get(type)!();

    expect(isCatalogued(type)).toBe(true);
    expect(type.traits.status).toBeGreaterThanOrEqual(400);
    expect(type.traits.status).toBeLessThan(600);
    expect(error).toBeInstanceOf(type);
    expect(error.constructor).toBe(type);
    expect({ name: error.name, status: error.status, code: error.codePipelineCode, expose: error.expose, retryable: error.retryable }).toEqual(type.traits);
  });

  it('has an example of every class for the tests that go through each', () => {
    expect(new Set(EXAMPLE_ERRORS.keys())).toEqual(new Set(SLUICE_ERRORS));
  });

  it('gives each name to one class, or to a class and the subclasses that refine it', () => {
    for (const type of SLUICE_ERRORS) {
      const sharing = SLUICE_ERRORS.filter((other) => other.traits.name === type.traits.name);
      const roots = sharing.filter((root) => sharing.every((other) => other === root || other.prototype instanceof root));
      expect(roots).toHaveLength(1);
    }
  });

  it("gives an error its class's name, status, exposure and retryability, and keeps the cause", () => {
    const cause = new Error('underneath');
    const error = new BadInputError('Fix the declaration.', { cause });

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'Sluice.BadInput', status: 400, expose: true, retryable: false, message: 'Fix the declaration.', cause });
    expect(accessDenied()).toMatchObject({ name: 'Sluice.AccessDenied', status: 403, expose: false });
    expect(new StoppedError('stopped').name).toBe(STOPPED_ERROR);
  });

  it('gives a class defined outside the catalogue the traits of the class it extends, and lets it refine the CodePipeline code', () => {
    class JobNotFoundError extends NotFoundError {
      override readonly codePipelineCode = 'JobNotFoundException';
    }
    const error = new JobNotFoundError('No job j-1.');

    expect(JobNotFoundError.traits).toBe(NotFoundError.traits);
    expect(error).toMatchObject({ name: 'Sluice.NotFound', status: 404, codePipelineCode: 'JobNotFoundException' });
  });

  it.each([
    ['', 'InvalidStructureException'],
    ['stages', 'InvalidStructureException'],
    ['stages[1].name', 'InvalidStageDeclarationException'],
    ['stages[1].actions[0].inputArtifacts[0].name', 'InvalidActionDeclarationException'],
  ])('answers CodePipeline with the part of the declaration its first problem is in: %s -> %s', (path, code) => {
    const error = new InvalidDeclarationError([{ path, message: 'is wrong' }]);

    expect(error.codePipelineCode).toBe(code);
    expect(error.message).toContain(`${path || '(declaration)'}: is wrong`);
  });
});

describe('errorAnswer', () => {
  it.each(SLUICE_ERRORS.map((type) => [type.traits.name, type.traits.status, type] as const))(
    '%s answers %d, with its message to a caller who authenticated, and to others only when exposed',
    (_, status, type) => {
      const error = EXAMPLE_ERRORS.get(type)!();

      const authenticated = errorAnswer(error, { authenticated: true, requestId: 'r-1' });
      const anyone = errorAnswer(error, { authenticated: false, requestId: 'r-1' });

      expect(authenticated.status).toBe(status);
      expect(authenticated.body).toMatchObject({ error: type.traits.name, message: error.message });
      expect(authenticated.headers).toEqual(error.headers);
      expect(anyone.status).toBe(status);
      if (type.traits.expose) {
        expect(anyone.body).toMatchObject({ error: type.traits.name, message: error.message });
      } else {
        expect(anyone.body).toEqual({ error: type.traits.name, message: new InternalError('r-1').message, requestId: 'r-1' });
      }
    },
  );

  it("tells anyone of an AccessDenied only its status and where the log has it: the message names the account's roles", () => {
    const answer = errorAnswer(accessDenied(), { authenticated: false, requestId: 'r-2' });

    expect(answer.status).toBe(403);
    expect(JSON.stringify(answer.body)).not.toContain('sluice-prod-role');
    expect(answer.body.message).toContain('r-2');
  });
});
