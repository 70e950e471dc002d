// Runs a synthesized state machine definition with aws-local-stepfunctions: Task states are played by local
// handlers (keyed by state name), Wait states and retry pauses shortened, so a run takes milliseconds.
import { StateMachine } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from '../../../stacks/workflow/asl.ts';
import { taskStates } from '../../../stacks/workflow/pipeline-definition.ts';

export type TaskHandler = (input: never) => Promise<unknown>;

export interface LocalRun {
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The execution's error: a Fail state's Error, or the uncaught error's name (e.g. States.Runtime). */
  readonly error?: string;
  readonly output?: unknown;
}

export interface LocalRunOptions {
  readonly handlers: Readonly<Record<string, TaskHandler>>;
  /** Execution name (the Context Object's `$$.Execution.Name`). */
  readonly name: string;
  /** Milliseconds each Wait state waits, by state name. */
  readonly waits?: Readonly<Record<string, number>>;
}

/** Step Functions names service errors `<Service>.<Exception>`; handlers throw this so Retry/Catch match. */
export function serviceError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export async function runLocally(
  definition: StateMachineDefinition,
  input: unknown,
  options: LocalRunOptions,
): Promise<LocalRun> {
  // Retries still happen (and are counted against MaxAttempts); only their pauses are skipped.
  const noRetryPauses = Object.fromEntries(taskStates(definition).map(([state]) => [state, 0]));
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: options.handlers as never,
      waitTimeOverrides: { ...options.waits },
      retryIntervalOverrides: noRetryPauses,
    },
    // aws-local-stepfunctions takes the Context Object as given; State.EnteredTime stands in for each state's entry.
    context: {
      Execution: {
        Id: `arn:aws:states:eu-west-1:111111111111:execution:local:${options.name}`,
        Name: options.name,
        Input: input as never,
        StartTime: '2026-01-02T03:00:00.000Z',
      },
      State: { EnteredTime: '2026-01-02T03:10:00.000Z' },
    },
  });
  try {
    return { status: 'SUCCEEDED', output: await execution.result };
  } catch (error) {
    // aws-local-stepfunctions wraps the execution's error; `cause` is the Fail state's (or uncaught) error.
    const cause = (error as { cause?: Error }).cause;
    return { status: 'FAILED', error: cause?.name ?? (error as Error).name };
  }
}
