import type { CollectionTag, ScalarTag } from 'yaml';

/** The functions CloudFormation's YAML writes in short form, `!Name`, each standing for `{ "Fn::Name": ... }`. */
const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'If', 'Not', 'Equals', 'And', 'Or'];

/** `!GetAtt Resource.Attribute` is the one short form whose scalar is split: at its first dot. */
function getAttOf(text: string): string[] {
  const dot = text.indexOf('.');
  return dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)];
}

function tagsFor(tag: string, key: string, fromScalar: (text: string) => unknown = (text) => text): (ScalarTag | CollectionTag)[] {
  return [
    { tag, resolve: (text: string) => ({ [key]: fromScalar(text) }) },
    { tag, collection: 'seq', resolve: (seq) => ({ [key]: seq.toJSON() }) },
    { tag, collection: 'map', resolve: (map) => ({ [key]: map.toJSON() }) },
  ];
}

/**
 * CloudFormation's short-form tags for the yaml parser: `!Ref`, `!Condition`, `!GetAtt` and the
 * `Fn::` functions, read into the long form that JSON templates write, so that one resolver reads
 * both.
 */
export const CLOUDFORMATION_TAGS: (ScalarTag | CollectionTag)[] = [
  ...tagsFor('!Ref', 'Ref'),
  ...tagsFor('!Condition', 'Condition'),
  ...tagsFor('!GetAtt', 'Fn::GetAtt', getAttOf),
  ...FUNCTIONS.flatMap((name) => tagsFor(`!${name}`, `Fn::${name}`)),
];
