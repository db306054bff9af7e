import { createHash } from 'node:crypto';
import {
  generatedName,
  NAMED_RESOURCE_TYPES,
  partitionOf,
  urlSuffixOf,
  type CloudFormationTemplate,
  type PseudoParameters,
  type ResolvedPlace,
} from './template';

/** What `Ref: AWS::NoValue` resolves to: the property or list item that holds it is left out. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** A place in the template that cannot be resolved here, and what to do about it. */
export interface TemplateProblem {
  /** Where in the template: `Resources.Pipeline.Properties.Stages[0]...`. */
  path: string;
  message: string;
}

export interface ResolveOptions {
  /** Values given for the template's parameters, and for pseudo-parameters such as `AWS::AccountId`. */
  parameters: Readonly<Record<string, string>>;
  /** The pseudo-parameters' values where the runtime knows them. */
  pseudo: PseudoParameters;
  /**
   * Whether a resource the template does not name gets the name CloudFormation would make up
   * (`generate`), which is what a local run uses, or is refused (`declared`), where the name must
   * be the deployed resource's.
   */
  physicalNames: 'generate' | 'declared';
}

/** A resolved value as text: strings as they are, numbers and booleans as CloudFormation writes them, anything else as JSON. */
const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The one key of `{ "Fn::Name": ... }` or `{ "Ref": ... }`, when `value` is such a call. */
function intrinsicName(value: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const [key] = keys as [string];
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined;
}

const DYNAMIC_REFERENCE = /\{\{resolve:([a-z-]+):/;

const FUNCTIONS_KNOWN_ONLY_ON_DEPLOY: Record<string, string> = {
  'Fn::ImportValue': 'reads an export of another stack, which exists only on AWS; pass the value as a template parameter instead',
  'Fn::GetAZs': "lists the region's Availability Zones, which only AWS knows; write them out",
  'Fn::Cidr': 'is computed by CloudFormation; write the CIDR blocks out',
  'Fn::Transform':
    "runs a macro, which only CloudFormation can; give Sluice the macro's output (for example from aws cloudformation get-template --template-stage Processed)",
};

/**
 * Resolves CloudFormation's intrinsic functions where their values can be known before the stack
 * exists: parameters (given or defaulted), pseudo-parameters, conditions, mappings, string
 * functions, and the names and ARNs of the template's own resources. Everything else is a
 * problem, with its path in the template and what to pass instead; resolving goes on past it, so
 * that every problem is reported at once.
 */
export class TemplateResolver {
  readonly problems: TemplateProblem[] = [];
  /** The names made up for resources the template does not name, by logical id. */
  readonly generatedNames = new Map<string, string>();
  private readonly names = new Map<string, string | undefined>();
  private readonly conditions = new Map<string, boolean | undefined>();
  private readonly resolving = new Set<string>();

  constructor(
    private readonly template: CloudFormationTemplate,
    private readonly options: ResolveOptions,
  ) {}

  /** `value` with every intrinsic function replaced by its value; `NO_VALUE` where it is `Ref: AWS::NoValue`. */
  resolve(value: unknown, path: string): unknown {
    if (Array.isArray(value)) return value.map((item, index) => this.resolve(item, `${path}[${index}]`)).filter((item) => item !== NO_VALUE);
    if (isObject(value)) {
      const name = intrinsicName(value);
      if (name) return this.call(name, value[name], path);
      const resolved: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const result = this.resolve(item, `${path}.${key}`);
        if (result !== NO_VALUE) resolved[key] = result;
      }
      return resolved;
    }
    if (typeof value === 'string') {
      const dynamic = DYNAMIC_REFERENCE.exec(value);
      if (dynamic)
        this.problem(
          path,
          `a dynamic reference ({{resolve:${dynamic[1]}:...}}) is read from AWS when the stack is deployed; pass the value as a template parameter instead.`,
        );
    }
    return value;
  }

  /** Whether the template's condition `name` holds. */
  condition(name: string, path: string): boolean | undefined {
    if (this.conditions.has(name)) return this.conditions.get(name);
    const expression = this.template.Conditions?.[name];
    if (expression === undefined) return this.problem(path, `there is no condition ${name} in the template's Conditions.`);
    const key = `condition ${name}`;
    if (this.resolving.has(key)) return this.problem(path, `condition ${name} depends on itself.`);
    this.resolving.add(key);
    const holds = this.evaluate(expression, `Conditions.${name}`);
    this.resolving.delete(key);
    this.conditions.set(name, holds);
    return holds;
  }

  /** The physical name of resource `logicalId`: its own name property, or the one CloudFormation would make up. */
  physicalName(logicalId: string, path: string): string | undefined {
    if (this.names.has(logicalId)) return this.names.get(logicalId);
    const resource = this.template.Resources[logicalId]!;
    const type = NAMED_RESOURCE_TYPES[resource.Type];
    if (!type)
      return this.problem(
        path,
        `Sluice cannot know the name of ${logicalId}, a ${resource.Type}, before the stack exists; pass it as a template parameter instead.`,
      );
    const key = `name ${logicalId}`;
    if (this.resolving.has(key)) return this.problem(path, `the name of ${logicalId} depends on itself.`);
    this.resolving.add(key);
    const declared = resource.Properties?.[type.nameProperty];
    let name: string | undefined;
    if (declared !== undefined) {
      name = this.text(
        this.resolve(declared, `Resources.${logicalId}.Properties.${type.nameProperty}`),
        `Resources.${logicalId}.Properties.${type.nameProperty}`,
      );
    } else if (!type.generated) {
      this.problem(`Resources.${logicalId}.Properties`, `${logicalId} has no ${type.nameProperty}, which a ${resource.Type} needs.`);
    } else if (this.options.physicalNames === 'generate') {
      name = generatedName(this.stackName, logicalId, type.generated);
      this.generatedNames.set(logicalId, name);
    } else {
      this.problem(
        path,
        `${logicalId} has no ${type.nameProperty}, so CloudFormation makes its name up when it creates the stack, and Sluice cannot know it. Give ${logicalId} a ${type.nameProperty}, or register the pipeline as the deployed stack holds it (aws codepipeline get-pipeline).`,
      );
    }
    this.resolving.delete(key);
    this.names.set(logicalId, name);
    return name;
  }

  private get stackName(): string {
    return this.options.parameters['AWS::StackName'] ?? this.options.pseudo.stackName;
  }

  private problem(path: string, message: string): undefined {
    // A value read twice (a resource's name, by its Ref and as the property) is reported once.
    if (!this.problems.some((problem) => problem.path === path && problem.message === message)) this.problems.push({ path, message });
    return undefined;
  }

  /** `value` as text, as CloudFormation turns numbers and booleans into strings where a string is wanted. */
  private text(value: unknown, path: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return this.problem(path, `expected a string here, not ${Array.isArray(value) ? 'a list' : 'an object'}.`);
  }

  private list(value: unknown, path: string, what: string): unknown[] | undefined {
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value : this.problem(path, `${what} must be a list.`);
  }

  private arguments(args: unknown, count: number, path: string, name: string, form: string): unknown[] | undefined {
    return Array.isArray(args) && args.length === count ? args : this.problem(path, `${name} takes ${form}.`);
  }

  private call(name: string, args: unknown, path: string): unknown {
    switch (name) {
      case 'Ref':
        return typeof args === 'string' ? this.ref(args, path) : this.problem(path, 'Ref takes the name of a parameter, pseudo-parameter or resource.');
      case 'Fn::GetAtt':
        return this.getAtt(args, path);
      case 'Fn::Sub':
        return this.sub(args, path);
      case 'Fn::Join': {
        const [delimiter, items] = this.arguments(args, 2, path, name, '[delimiter, [values]]') ?? [];
        const values = this.list(this.resolve(items, path), path, 'The values Fn::Join joins');
        const texts = values?.map((value) => this.text(value, path));
        return texts === undefined || texts.includes(undefined) || typeof delimiter !== 'string' ? undefined : texts.join(delimiter);
      }
      case 'Fn::Select': {
        const [index, items] = this.arguments(args, 2, path, name, '[index, [values]]') ?? [];
        const values = this.list(this.resolve(items, path), path, 'The values Fn::Select picks from');
        const position = Number(this.resolve(index, path));
        if (!values) return undefined;
        if (!Number.isInteger(position) || position < 0 || position >= values.length)
          return this.problem(path, `Fn::Select index ${String(index)} is not within the ${values.length} values.`);
        return values[position];
      }
      case 'Fn::Split': {
        const [delimiter, source] = this.arguments(args, 2, path, name, '[delimiter, text]') ?? [];
        const text = this.text(this.resolve(source, path), path);
        return text === undefined || typeof delimiter !== 'string' ? undefined : text.split(delimiter);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = this.arguments(args, 3, path, name, '[condition name, value if true, value if false]') ?? [];
        if (typeof condition !== 'string') return undefined;
        const holds = this.condition(condition, path);
        return holds === undefined ? undefined : this.resolve(holds ? whenTrue : whenFalse, path);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = (this.arguments(args, 3, path, name, '[map name, top-level key, second-level key]') ?? []).map((part) =>
          this.text(this.resolve(part, path), path),
        );
        if (map === undefined || top === undefined || second === undefined) return undefined;
        const value = this.template.Mappings?.[map]?.[top]?.[second];
        return value === undefined ? this.problem(path, `Mappings has no ${map}.${top}.${second}.`) : value;
      }
      case 'Fn::Base64': {
        const text = this.text(this.resolve(args, path), path);
        return text === undefined ? undefined : Buffer.from(text).toString('base64');
      }
      default:
        return this.problem(
          path,
          FUNCTIONS_KNOWN_ONLY_ON_DEPLOY[name]
            ? `${name} ${FUNCTIONS_KNOWN_ONLY_ON_DEPLOY[name]}.`
            : `${name} cannot be used here: Sluice resolves Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::FindInMap and Fn::Base64.`,
        );
    }
  }

  private evaluate(expression: unknown, path: string): boolean | undefined {
    if (!isObject(expression) || Object.keys(expression).length !== 1)
      return this.problem(path, 'a condition must be one Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition.');
    const [[name, args]] = Object.entries(expression) as [[string, unknown]];
    const operands = Array.isArray(args) ? args : [];
    switch (name) {
      case 'Fn::Equals': {
        if (operands.length !== 2) return this.problem(path, 'Fn::Equals takes two values.');
        const [left, right] = operands.map((operand) => this.resolve(operand, path));
        return left === undefined || right === undefined ? undefined : asText(left) === asText(right);
      }
      case 'Fn::Not': {
        const inner = operands.length === 1 ? this.evaluate(operands[0], path) : this.problem(path, 'Fn::Not takes one condition.');
        return inner === undefined ? undefined : !inner;
      }
      case 'Fn::And':
      case 'Fn::Or': {
        const values = operands.map((operand) => this.evaluate(operand, path));
        if (values.includes(undefined)) return undefined;
        return name === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
      }
      case 'Condition':
        return typeof args === 'string' ? this.condition(args, path) : this.problem(path, 'Condition takes the name of a condition.');
      default:
        return this.problem(path, `${name} is not a condition function; use Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition.`);
    }
  }

  private ref(name: string, path: string): unknown {
    if (this.template.Parameters?.[name]) return this.parameter(name, path);
    if (name.startsWith('AWS::')) return this.pseudoParameter(name, path);
    if (this.template.Resources[name]) return this.resourceValue(name, undefined, path);
    return this.problem(path, `Ref ${name} names no parameter, pseudo-parameter or resource of the template.`);
  }

  private parameter(name: string, path: string): unknown {
    const declared = this.template.Parameters![name]!;
    const given = this.options.parameters[name];
    if (given === undefined && declared.Type?.startsWith('AWS::SSM::Parameter::Value<')) {
      return this.problem(
        path,
        `parameter ${name} is read from SSM parameter ${asText(declared.Default)} when the stack is deployed; pass --parameter ${name}=<value>.`,
      );
    }
    const value = given ?? (declared.Default === undefined ? undefined : asText(declared.Default));
    if (value === undefined) return this.problem(path, `parameter ${name} has no Default; pass --parameter ${name}=<value>.`);
    if (declared.AllowedValues && !declared.AllowedValues.map(asText).includes(value)) {
      return this.problem(path, `parameter ${name} is "${value}", which is not one of its AllowedValues: ${declared.AllowedValues.join(', ')}.`);
    }
    return declared.Type === 'CommaDelimitedList' || declared.Type?.startsWith('List<') ? value.split(',') : value;
  }

  private pseudoParameter(name: string, path: string): unknown {
    const given = this.options.parameters[name];
    if (given !== undefined) return given;
    const region = this.options.parameters['AWS::Region'] ?? this.options.pseudo.region;
    switch (name) {
      case 'AWS::Region':
      case 'AWS::AccountId': {
        const known = name === 'AWS::Region' ? region : this.options.pseudo.accountId;
        return known ?? this.problem(path, `${name} is not known here; pass --parameter ${name}=<value>.`);
      }
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::Partition':
        return partitionOf(region);
      case 'AWS::URLSuffix':
        return urlSuffixOf(region);
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
      case 'AWS::StackId': {
        const place = this.place({}, path);
        const id = createHash('sha256').update(this.stackName).digest('hex');
        const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
        return place && `arn:${place.partition}:cloudformation:${place.region}:${place.accountId}:stack/${this.stackName}/${uuid}`;
      }
      default:
        return this.problem(path, `${name} is no pseudo-parameter CloudFormation has.`);
    }
  }

  private getAtt(args: unknown, path: string): unknown {
    const parts = typeof args === 'string' ? args.split(/\.(.*)/s).slice(0, 2) : args;
    if (!Array.isArray(parts) || parts.length !== 2) return this.problem(path, 'Fn::GetAtt takes [resource, attribute].');
    const [logicalId, attribute] = [parts[0], this.resolve(parts[1], path)];
    if (typeof logicalId !== 'string' || typeof attribute !== 'string') return undefined;
    if (!this.template.Resources[logicalId]) return this.problem(path, `Fn::GetAtt names ${logicalId}, which is no resource of the template.`);
    return this.resourceValue(logicalId, attribute, path);
  }

  /** What `Ref` (no attribute) or `Fn::GetAtt` gives for one of the template's resources. */
  private resourceValue(logicalId: string, attribute: string | undefined, path: string): unknown {
    const resource = this.template.Resources[logicalId]!;
    if (resource.Condition !== undefined && this.condition(resource.Condition, path) === false) {
      return this.problem(path, `${logicalId} is not created, because its condition ${resource.Condition} is false.`);
    }
    const type = NAMED_RESOURCE_TYPES[resource.Type];
    const wanted = attribute ?? (type?.ref === 'name' ? undefined : type?.ref);
    const attributeOf = wanted === undefined ? undefined : type?.attributes[wanted];
    if (!type || (wanted !== undefined && !attributeOf)) {
      const what = attribute === undefined ? 'Ref' : `Fn::GetAtt ${logicalId}.${attribute}`;
      return this.problem(
        path,
        `Sluice cannot know what ${what} gives for ${logicalId}, a ${resource.Type}, before the stack exists; pass the value as a template parameter instead.`,
      );
    }
    const name = this.physicalName(logicalId, path);
    if (name === undefined || !attributeOf) return name;
    const place = this.place(resource.Properties ?? {}, path);
    return place && attributeOf(name, place);
  }

  /** The region, account and partition that an ARN is built from, or undefined (with the problem) where they are not known. */
  private place(properties: Record<string, unknown>, path: string): ResolvedPlace | undefined {
    const region = this.pseudoParameter('AWS::Region', path);
    const accountId = this.pseudoParameter('AWS::AccountId', path);
    if (typeof region !== 'string' || typeof accountId !== 'string') return undefined;
    return { region, accountId, partition: partitionOf(region), urlSuffix: urlSuffixOf(region), properties };
  }

  private sub(args: unknown, path: string): unknown {
    const [text, variables] = Array.isArray(args) ? args : [args, {}];
    if (typeof text !== 'string' || !isObject(variables)) return this.problem(path, 'Fn::Sub takes a string, or [string, {name: value}].');
    const values = this.resolve(variables, path) as Record<string, unknown>;
    let complete = true;
    const result = text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
      const name = inner.trim();
      const value = name in values ? values[name] : name.includes('.') && !name.startsWith('AWS::') ? this.getAtt(name, path) : this.ref(name, path);
      const piece = this.text(value, path);
      if (piece === undefined) complete = false;
      return piece ?? whole;
    });
    return complete ? result : undefined;
  }
}
