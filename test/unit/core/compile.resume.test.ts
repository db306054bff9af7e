import { compilePipeline, resumeDefinition, stageEntryDefinition } from '../../../lib/core/compile';
import type { PipelineDeclaration } from '../../../lib/core/declaration';
import { providerCatalog } from '../../../lib/actions/registry';
import { gitCheckoutAction } from '../../support/declarations';

type Action = PipelineDeclaration['stages'][number]['actions'][number];

const source = gitCheckoutAction('.', { namespace: 'SourceVariables' });
const approval = (name: string, runOrder = 1): Action => ({
  name,
  runOrder,
  actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
});
const commands = (name: string, runOrder = 1, extra: Partial<Action> = {}): Action => ({
  name,
  runOrder,
  actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
  commands: ['echo #{SourceVariables.CommitId}'],
  inputArtifacts: [{ name: 'Src' }],
  ...extra,
});

const pipeline = (gate: Action[]): PipelineDeclaration => ({
  name: 'gated',
  variables: [{ name: 'target', defaultValue: 'staging' }],
  stages: [
    { name: 'Source', actions: [source] },
    { name: 'Gate', actions: gate },
    { name: 'Build', actions: [commands('Compile', 1, { outputArtifacts: [{ name: 'Out' }], namespace: 'BuildVariables' })] },
  ],
});

describe('resumeDefinition', () => {
  it("starts at the approval's own Task when it is alone in its runOrder group, and changes nothing else", () => {
    const declaration = pipeline([commands('Lint', 1, { namespace: 'Lint' }), approval('Review', 2)]);
    const full = compilePipeline(declaration, providerCatalog);
    const resume = resumeDefinition(declaration, providerCatalog, 'Gate', 'Review')!;
    expect(resume.compiled.definition.StartAt).toBe('Gate / Review (run or keep)');
    expect({ ...resume.compiled.definition, StartAt: full.definition.StartAt }).toEqual(full.definition);
    expect(resume.compiled.tasks).toEqual(full.tasks);
    expect(resume.group).toEqual(['Review']);
    // What ran before the group and keeps a result: the source (artifact and namespace) and Lint (namespace).
    expect(resume.slots).toEqual([
      { stage: 'Source', action: 'Checkout', slot: 'a0' },
      { stage: 'Gate', action: 'Lint', slot: 'a1' },
    ]);
    // The stage's enter step is not on the way: it stays where the previous stage leads.
    expect(full.definition.States['Source / Checkout']).toMatchObject({ Next: 'Source (exit)' });
    expect(full.definition.States['Source (exit)']).toMatchObject({ Next: 'Gate (enter)' });
  });

  it('starts at the group of several approvals: its branch input, then its Parallel state', () => {
    const declaration = pipeline([approval('Security'), approval('Product')]);
    const resume = resumeDefinition(declaration, providerCatalog, 'Gate', 'Product')!;
    // The group starts at the Pass that gives its branches their input, then the Parallel.
    expect(resume.compiled.definition.StartAt).toBe('Gate (runOrder 1 start)');
    expect(resume.compiled.definition.States['Gate (runOrder 1 start)']).toMatchObject({ Type: 'Pass', Next: 'Gate (runOrder 1)' });
    expect(resume.compiled.definition.States['Gate (runOrder 1)']).toMatchObject({ Type: 'Parallel' });
    expect(resume.group).toEqual(['Security', 'Product']);
    expect(resume.slots).toEqual([{ stage: 'Source', action: 'Checkout', slot: 'a0' }]);
  });

  it('names the whole group, approvals or not, so that a mixed group can be told apart', () => {
    const declaration = pipeline([approval('Review'), commands('Scan')]);
    expect(resumeDefinition(declaration, providerCatalog, 'Gate', 'Review')!.group).toEqual(['Review', 'Scan']);
  });

  it("leaves out an earlier approval's slot: its Task keeps no result", () => {
    const declaration = pipeline([{ ...approval('First'), namespace: 'FirstApproval' }, approval('Second', 2)]);
    const resume = resumeDefinition(declaration, providerCatalog, 'Gate', 'Second')!;
    expect(resume.compiled.definition.States['Gate / First']).toMatchObject({ ResultPath: null });
    expect(resume.slots).toEqual([{ stage: 'Source', action: 'Checkout', slot: 'a0' }]);
  });

  it('gives nothing for an unknown stage or action', () => {
    const declaration = pipeline([approval('Review')]);
    expect(resumeDefinition(declaration, providerCatalog, 'Gate', 'Nope')).toBeUndefined();
    expect(resumeDefinition(declaration, providerCatalog, 'Nope', 'Review')).toBeUndefined();
  });
});

describe('stageEntryDefinition', () => {
  it("starts at the stage's enter step, changes nothing else, and names the slots of every earlier stage's actions", () => {
    const declaration = pipeline([commands('Lint', 1, { namespace: 'Lint' }), approval('Review', 2)]);
    const full = compilePipeline(declaration, providerCatalog);
    const entry = stageEntryDefinition(declaration, providerCatalog, 'Build')!;
    expect(entry.compiled.definition.StartAt).toBe('Build (enter)');
    expect({ ...entry.compiled.definition, StartAt: full.definition.StartAt }).toEqual(full.definition);
    expect(entry.compiled.tasks).toEqual(full.tasks);
    // The enter step joins the stage's line again: the same payload as when the execution first arrived.
    expect(entry.compiled.definition.States['Build (enter)']).toMatchObject({
      Parameters: { Payload: { step: 'enterStage', stage: 'Build', previousStage: 'Gate' } },
    });
    // Review keeps no result; Build's own Compile has not run.
    expect(entry.slots).toEqual([
      { stage: 'Source', action: 'Checkout', slot: 'a0' },
      { stage: 'Gate', action: 'Lint', slot: 'a1' },
    ]);
  });

  it('needs no slot in front of the first stage', () => {
    const entry = stageEntryDefinition(pipeline([approval('Review')]), providerCatalog, 'Source')!;
    expect(entry.compiled.definition.StartAt).toBe('Source (enter)');
    expect(entry.slots).toEqual([]);
  });

  it('gives nothing for an unknown stage', () => {
    expect(stageEntryDefinition(pipeline([approval('Review')]), providerCatalog, 'Nope')).toBeUndefined();
  });
});
