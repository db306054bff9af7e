import path from 'node:path';
import { ROOT } from '../support/fixtures';

/** console/sign-in-domain.cjs, as serverless.yml's `${file(...)}` variable calls it. */
interface DomainResolver {
  prefix(context: { resolveVariable(address: string): Promise<unknown> }): Promise<string>;
}

const resolver = require(path.join(ROOT, 'console/sign-in-domain.cjs')) as DomainResolver;
const prefixFor = (stage: string) => resolver.prefix({ resolveVariable: async (address) => (address === 'sls:stage' ? stage : undefined) });

/** The longest domain prefix Cognito takes, and the 12 digits of an account id after the stage. */
const MAX_DOMAIN_LENGTH = 63;
const ACCOUNT = '123456789012';

describe("packaging the console's Cognito sign-in domain", () => {
  it.each(['ci', 'prod', 'team-7', 'a'.repeat(43)])('names the domain after the stage %s', async (stage) => {
    const prefix = await prefixFor(stage);

    expect(prefix).toBe(`sluice-${stage}`);
    expect(`${prefix}-${ACCOUNT}`.length).toBeLessThanOrEqual(MAX_DOMAIN_LENGTH);
  });

  it.each([
    ['Prod', 'prod'],
    ['my_stage', 'my-stage'],
    ['a'.repeat(44), 'a'.repeat(43)],
  ])('fails on the stage %s, which Cognito cannot take in a domain, saying what it takes and suggesting %s', async (stage, suggestion) => {
    const failure = prefixFor(stage);

    await expect(failure).rejects.toThrow(`The stage "${stage}" names the console's Cognito sign-in domain`);
    await expect(failure).rejects.toThrow('only lowercase letters, digits and hyphens, and a stage of at most 43');
    await expect(failure).rejects.toThrow(`--stage ${suggestion}.`);
  });
});
