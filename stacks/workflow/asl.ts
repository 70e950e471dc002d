// A typed subset of the Amazon States Language (JSONPath flavour): enough for the pipeline, checked by tsc, then
// serialised once at synth. asl-validator and aws-local-stepfunctions check the result in the tests.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

interface Transition {
  readonly Next?: string;
  readonly End?: true;
}

interface Common {
  readonly Comment?: string;
}

export interface TaskState extends Common, Transition {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Parameters?: { readonly [key: string]: JsonValue };
  readonly ResultSelector?: { readonly [key: string]: JsonValue };
  readonly ResultPath?: string | null;
  readonly TimeoutSeconds?: number;
  readonly Retry: readonly Retrier[];
  readonly Catch: readonly Catcher[];
}

export interface PassState extends Common, Transition {
  readonly Type: 'Pass';
  readonly Parameters?: { readonly [key: string]: JsonValue };
  readonly Result?: JsonValue;
  readonly ResultPath?: string | null;
}

export interface WaitState extends Common, Transition {
  readonly Type: 'Wait';
  readonly Seconds: number;
}

export interface ChoiceRule {
  readonly Variable?: string;
  readonly StringEquals?: string;
  readonly NumericGreaterThanEquals?: number;
  readonly IsPresent?: boolean;
  readonly And?: readonly ChoiceRule[];
  readonly Not?: ChoiceRule;
  readonly Next?: string;
}

export interface ChoiceState extends Common {
  readonly Type: 'Choice';
  readonly Choices: readonly (ChoiceRule & { readonly Next: string })[];
  readonly Default?: string;
}

export interface ParallelState extends Common, Transition {
  readonly Type: 'Parallel';
  readonly Branches: readonly StateMachineDefinition[];
  readonly ResultPath?: string | null;
  readonly Retry?: readonly Retrier[];
  readonly Catch: readonly Catcher[];
}

export interface FailState extends Common {
  readonly Type: 'Fail';
  readonly Error: string;
  readonly Cause?: string;
  readonly CausePath?: string;
}

export interface SucceedState extends Common {
  readonly Type: 'Succeed';
}

export type State = TaskState | PassState | WaitState | ChoiceState | ParallelState | FailState | SucceedState;

export interface StateMachineDefinition {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: { readonly [name: string]: State };
}
