import { stateMachineName } from '../../../../lib/adapters/aws/step-functions-engine';

describe('stateMachineName', () => {
  it('appends the pipeline name to the prefix', () => {
    expect(stateMachineName('sluice-prod-', 'webapp')).toBe('sluice-prod-webapp');
  });

  it('fits a 100-character CodePipeline name into 80, keeping it unique and the same on every call', () => {
    const long = `${'a'.repeat(90)}-one`;
    const other = `${'a'.repeat(90)}-two`;
    const name = stateMachineName('sluice-prod-', long);
    expect(name).toHaveLength(80);
    expect(name.startsWith('sluice-prod-aaaa')).toBe(true);
    expect(stateMachineName('sluice-prod-', long)).toBe(name);
    expect(stateMachineName('sluice-prod-', other)).not.toBe(name);
  });
});
