import { BadInputError } from '../../core/errors';

/**
 * The members of an operation's input, checked as CodePipeline's model types them: a member of
 * the wrong type, or a required one that is missing, is a ValidationException that names it.
 */
export interface InputMembers {
  string(name: string): string;
  optionalString(name: string): string | undefined;
  optionalInteger(name: string): number | undefined;
  optionalBoolean(name: string): boolean | undefined;
  object(name: string): Record<string, unknown>;
  optionalObject(name: string): Record<string, unknown> | undefined;
  list(name: string): unknown[];
  optionalList(name: string): unknown[] | undefined;
  stringList(name: string): string[];
  /** Refuses members that Sluice does not honour yet, naming them. */
  refuse(names: string[], why: string): void;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The members of `input`; `where` names it in messages (`result` for a nested structure). */
export function inputMembers(input: unknown, where = 'the input'): InputMembers {
  const members = isObject(input) ? input : {};
  const wrong = (name: string, type: string) => new BadInputError(`${name} in ${where} must be ${type}.`);
  const optional = <T>(name: string, is: (value: unknown) => value is T, type: string): T | undefined => {
    const value = members[name];
    if (value === undefined || value === null) return undefined;
    if (!is(value)) throw wrong(name, type);
    return value;
  };
  const required = <T>(name: string, is: (value: unknown) => value is T, type: string): T => {
    const value = optional(name, is, type);
    if (value === undefined) throw new BadInputError(`${where} needs ${name}, ${type}.`);
    return value;
  };
  const isString = (value: unknown): value is string => typeof value === 'string';
  const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
  return {
    string: (name) => required(name, isNonEmptyString, 'a non-empty string'),
    optionalString: (name) => optional(name, isString, 'a string'),
    optionalInteger: (name) => optional(name, (value): value is number => Number.isInteger(value), 'a whole number'),
    optionalBoolean: (name) => optional(name, (value): value is boolean => typeof value === 'boolean', 'true or false'),
    object: (name) => required(name, isObject, 'a structure'),
    optionalObject: (name) => optional(name, isObject, 'a structure'),
    list: (name) => required(name, Array.isArray, 'a list'),
    optionalList: (name) => optional(name, Array.isArray, 'a list'),
    stringList: (name) => required(name, (value): value is string[] => Array.isArray(value) && value.every(isString), 'a list of strings'),
    refuse: (names, why) => {
      const given = names.filter((name) => members[name] !== undefined && members[name] !== null);
      if (given.length > 0) throw new BadInputError(`Sluice does not take ${given.join(', ')} in ${where} yet: ${why}`);
    },
  };
}
