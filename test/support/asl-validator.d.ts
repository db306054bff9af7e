declare module 'asl-validator' {
  function aslValidator(definition: unknown): { isValid: boolean; errorsText: (separator?: string) => string };
  export = aslValidator;
}
