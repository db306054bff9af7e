import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { actionProviders } from '../../../lib/actions/action-providers';
import { polledSourceProvider, polledSourceProviders } from '../../../lib/actions/polled-sources';
import { providerCatalog, providerSpecs, providerTable } from '../../../lib/actions/registry';
import { registerProviders } from '../../../lib/cli/commands/providers';
import type { ExitWith } from '../../../lib/cli/exit-codes';
import { providerKey } from '../../../lib/core/declaration';
import type { ProviderSpec } from '../../../lib/core/providers';
import { listActionTypes } from '../../../lib/operations/action-types';
import { ROOT } from '../../support/fixtures';

/** The README's provider table, between the markers that `npm run docs:providers` writes between. */
function readmeTable(): string {
  const text = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const match = /<!-- providers:start -->\n([\s\S]*?)\n<!-- providers:end -->/.exec(text);
  if (!match) throw new Error('README.md has no <!-- providers:start --> ... <!-- providers:end --> section');
  return match[1]!;
}

/** What `sluice providers` prints with `args`, run in this process. */
async function providersCommand(args: string[]): Promise<string> {
  const printed: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((text: string) => printed.push(text));
  try {
    const program = new Command().exitOverride();
    const exitWith: ExitWith =
      (handler) =>
      async (...handlerArgs) => {
        expect(await handler(...handlerArgs)).toBe(0);
      };
    registerProviders(program, exitWith);
    await program.parseAsync(['providers', ...args], { from: 'user' });
  } finally {
    log.mockRestore();
  }
  return printed.join('\n');
}

const runtimesByKey = (entries: { key: string; runtimes?: readonly string[] }[]) => Object.fromEntries(entries.map(({ key, runtimes }) => [key, runtimes]));

describe('the provider registry and its three views', () => {
  it("is what the README's provider table says: npm run docs:providers rewrites a stale one", () => {
    expect(readmeTable()).toBe(providerTable());
  });

  it('is what sluice providers prints, as the table and as JSON', async () => {
    expect(await providersCommand(['--markdown'])).toBe(providerTable());
    const printed = JSON.parse(await providersCommand(['--json'])) as ProviderSpec[];
    expect(runtimesByKey(printed.map((spec) => ({ key: providerKey(spec), runtimes: spec.runtimes })))).toEqual(
      runtimesByKey(providerSpecs.map((spec) => ({ key: providerKey(spec), runtimes: spec.runtimes }))),
    );
  });

  it('is what ListActionTypes answers, runtimes included', async () => {
    const types = await listActionTypes(providerCatalog, undefined);
    expect(runtimesByKey(types.map((type) => ({ key: providerKey(type.id), runtimes: type.runtimes })))).toEqual(
      runtimesByKey(providerSpecs.map((spec) => ({ key: providerKey(spec), runtimes: spec.runtimes }))),
    );
  });

  it('can poll every source whose changes start pipelines, as PollForSourceChanges asks (S3 and CodeCommit)', () => {
    const started = actionProviders.filter(
      (provider) => provider.spec.sourceChanges && provider.spec.configuration.some((key) => key.name === 'PollForSourceChanges'),
    );
    expect(started.map((provider) => providerKey(provider.spec))).toEqual(['Source/AWS/S3', 'Source/AWS/CodeCommit']);
    for (const provider of started)
      expect({ provider: providerKey(provider.spec), polls: typeof provider.latestRevision }).toEqual({
        provider: providerKey(provider.spec),
        polls: 'function',
      });
  });

  it('polls, in the source poll function, exactly the providers that read their latest revision', () => {
    const polling = actionProviders.filter((provider) => provider.latestRevision).map((provider) => providerKey(provider.spec));
    expect(polledSourceProviders.map((provider) => providerKey(provider.spec))).toEqual(polling);
  });

  it("loads each polled provider's code, the one that reads its latest revision, and none for a provider that is not polled", async () => {
    for (const { spec } of polledSourceProviders) {
      const provider = await polledSourceProvider(providerKey(spec));
      expect(provider).toBe(actionProviders.find((candidate) => candidate.spec === spec));
      expect(typeof provider?.latestRevision).toBe('function');
    }
    expect(await polledSourceProvider('Source/AWS/ECR')).toBeUndefined();
  });

  it('holds the specs of exactly the providers that have run code, in the same order', () => {
    expect(actionProviders.map((provider) => provider.spec)).toEqual(providerSpecs);
  });

  it('runs, for every provider that lists a runtime and whose actions Sluice runs itself, their actions', () => {
    const runsInSluice = (spec: ProviderSpec) => ['runner', 'polling'].includes(spec.integration ?? 'runner') && spec.runtimes.length > 0;
    const withoutRun = actionProviders.filter((provider) => runsInSluice(provider.spec) && !provider.run).map((provider) => providerKey(provider.spec));
    expect(withoutRun).toEqual([]);
  });

  it('renders the providers of a category that run on the same runtimes as one row, says so of those that run nowhere, and lists those Sluice does not have yet last', () => {
    const spec = providerSpecs.find((entry) => entry.provider === 'Manual')!;
    const table = providerTable(
      [
        { ...spec, category: 'Deploy', provider: 'One' },
        { ...spec, category: 'Deploy', provider: 'Two', runtimes: [] },
        { ...spec, category: 'Deploy', provider: 'Three' },
      ],
      [{ category: 'Deploy', owner: 'AWS', provider: 'Four', title: 'Four' }],
    );
    expect(table.split('\n').slice(2)).toEqual([
      '| Deploy | AWS/One, AWS/Three | aws, local |',
      '| Deploy | AWS/Two | none yet |',
      '| Deploy | AWS/Four | not supported yet |',
    ]);
  });
});

describe("each provider's cost profile", () => {
  const pricedAsFor = { runner: 'runner', polling: 'polling', codebuild: 'build', approval: 'wait', job: 'wait', 'lambda-job': 'wait' } as const;

  it.each(actionProviders.map((provider) => [providerKey(provider.spec), provider.spec] as const))('%s is priced as its integration runs it', (_key, spec) => {
    expect(spec.cost.pricedAs).toBe(pricedAsFor[spec.integration ?? 'runner']);
  });
});
