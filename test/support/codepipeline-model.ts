import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** A shape of an AWS service model (botocore's JSON), as far as checking a value against it needs. */
interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'double' | 'float' | 'blob';
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
}

export interface ServiceModel {
  operations: Record<string, { input?: { shape: string }; output?: { shape: string }; errors?: { shape: string }[] }>;
  shapes: Record<string, Shape>;
}

let loaded: ServiceModel | undefined;

/** CodePipeline's service model, as botocore (which the aws CLI and boto3 use) ships it. */
export function codePipelineModel(): ServiceModel {
  if (loaded) return loaded;
  const botocore = execFileSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8' }).trim();
  const file = path.join(botocore, 'data/codepipeline/2015-07-09/service-2.json.gz');
  loaded = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as ServiceModel;
  return loaded;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What is wrong with `value` as a `shapeName` of the model, each problem with its path: a member
 * the model marks required and is missing, a member it does not have, a value of another type, a
 * string outside its enum. A timestamp is a Date (as the SDK gives it) or epoch seconds (as the
 * wire carries it). Empty when the value conforms.
 */
export function shapeProblems(model: ServiceModel, shapeName: string, value: unknown, at = '$'): string[] {
  const shape = model.shapes[shapeName];
  if (!shape) return [`${at}: the model has no shape ${shapeName}`];
  const wrong = (expected: string) => [`${at}: ${JSON.stringify(value)} is not ${expected} (${shapeName})`];
  switch (shape.type) {
    case 'structure': {
      if (!isObject(value)) return wrong('a structure');
      const missing = (shape.required ?? []).filter((name) => value[name] === undefined).map((name) => `${at}.${name}: required by ${shapeName}, missing`);
      const members = Object.entries(value).flatMap(([name, member]) => {
        const declared = shape.members?.[name];
        if (!declared) return [`${at}.${name}: ${shapeName} has no member ${name}`];
        return member === undefined ? [] : shapeProblems(model, declared.shape, member, `${at}.${name}`);
      });
      return [...missing, ...members];
    }
    case 'list':
      return Array.isArray(value) ? value.flatMap((item, index) => shapeProblems(model, shape.member!.shape, item, `${at}[${index}]`)) : wrong('a list');
    case 'map':
      return isObject(value)
        ? Object.entries(value).flatMap(([key, item]) => [
            ...shapeProblems(model, shape.key!.shape, key, `${at}{${key}}`),
            ...shapeProblems(model, shape.value!.shape, item, `${at}.${key}`),
          ])
        : wrong('a map');
    case 'string':
      if (typeof value !== 'string') return wrong('a string');
      return shape.enum && !shape.enum.includes(value) ? wrong(`one of ${shape.enum.join(', ')}`) : [];
    case 'integer':
    case 'long':
      return Number.isInteger(value) ? [] : wrong('a whole number');
    case 'double':
    case 'float':
      return typeof value === 'number' ? [] : wrong('a number');
    case 'boolean':
      return typeof value === 'boolean' ? [] : wrong('true or false');
    case 'timestamp':
      return value instanceof Date || typeof value === 'number' ? [] : wrong('a timestamp');
    case 'blob':
      return typeof value === 'string' || value instanceof Uint8Array ? [] : wrong('a blob');
  }
}

/** What is wrong with an operation's output, as the SDK returns it (its `$metadata` aside). */
export function outputProblems(operation: string, output: Record<string, unknown>): string[] {
  const model = codePipelineModel();
  const { $metadata: _, ...members } = output;
  const shape = model.operations[operation]?.output?.shape;
  if (!shape) return Object.keys(members).length === 0 ? [] : [`${operation} has no output in the model, but answered ${JSON.stringify(members)}`];
  return shapeProblems(model, shape, members);
}
