// asl-validator 4 ships no type declarations; this is the part of its API the tests use.
declare module 'asl-validator' {
  export interface AslValidatorResult {
    readonly isValid: boolean;
    readonly errors: readonly { readonly message?: string; readonly path?: string }[];
    readonly errorsText: (separator?: string) => string;
  }
  export default function aslValidator(definition: unknown, options?: Record<string, unknown>): AslValidatorResult;
}
