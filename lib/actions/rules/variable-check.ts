import type { ConfigurationProblem } from '../../core/providers';
import { findVariableReferences } from '../../core/variables';
import type { RuleProvider } from './rule-provider';

/** The operators CodePipeline's rule reference documents for VariableCheck. */
const OPERATORS: Record<string, (variable: string, value: string) => boolean> = {
  EQ: (variable, value) => variable === value,
  NE: (variable, value) => variable !== value,
  CONTAINS: (variable, value) => variable.includes(value),
  // CodePipeline's regular expressions are Java's; a Java `matches` is a match of the whole value.
  MATCHES: (variable, value) => new RegExp(`^(?:${value})$`, 'u').test(variable),
};

function checkConfiguration(configuration: Readonly<Record<string, string>>): ConfigurationProblem[] {
  const problems: ConfigurationProblem[] = [];
  const { Operator, Value } = configuration;
  if (Operator !== undefined && !(Operator in OPERATORS)) {
    problems.push({ key: 'Operator', message: `Operator must be one of ${Object.keys(OPERATORS).join(', ')}; not ${Operator}.` });
  }
  if (Operator === 'MATCHES' && Value !== undefined && findVariableReferences(Value).length === 0) {
    try {
      new RegExp(Value, 'u');
    } catch (error) {
      problems.push({ key: 'Value', message: `Value is not a regular expression: ${(error as Error).message}` });
    }
  }
  return problems;
}

/** CodePipeline's VariableCheck rule: a variable compared with a value. */
export const variableCheck: RuleProvider = {
  spec: {
    provider: 'VariableCheck',
    version: '1',
    description: 'Passes when a variable, such as #{SourceVariables.BranchName}, compares with a value as the operator says.',
    configuration: [
      { name: 'Variable', required: true, description: 'The variable to check, as #{namespace.name}.' },
      { name: 'Value', required: true, description: 'The value it is checked against.' },
      { name: 'Operator', required: true, description: 'EQ, NE, CONTAINS or MATCHES (a regular expression matching the whole variable).' },
    ],
    inputArtifacts: { min: 0, max: 0 },
    runtimes: ['aws', 'local'],
    checkConfiguration,
  },
  async check({ rule }) {
    const { Variable = '', Value = '', Operator = '' } = rule.configuration ?? {};
    const passed = OPERATORS[Operator]!(Variable, Value);
    return { passed, summary: `"${Variable}" ${Operator} "${Value}" is ${passed ? 'true' : 'false'}.` };
  },
};
