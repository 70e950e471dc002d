// The state machines of an environment as deployed: name, ARN, role, encryption key and parsed definition, and
// every Task state in a definition at any depth (Parallel branches, Map processors, anything with `States`).
import type { EnvironmentModel } from './terraform-model.ts';

export interface TaskLike {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Parameters?: Record<string, unknown>;
}

export interface StateMachine {
  readonly name: string;
  readonly arn: string;
  readonly roleArn: string;
  /** The customer managed key of its execution data, if any. */
  readonly keyArn: string | undefined;
  readonly address: string;
  readonly definition: unknown;
}

export function stateMachines(model: EnvironmentModel): StateMachine[] {
  return model.all('aws_sfn_state_machine').map((r) => {
    const name = model.resolveIn(r.stack, r.body.name);
    const encryption = r.body.encryption_configuration as { kms_key_id?: string } | undefined;
    return {
      name,
      arn: model.arn('states', `stateMachine:${name}`),
      roleArn: model.resolveIn(r.stack, r.body.role_arn),
      keyArn: encryption?.kms_key_id ? model.resolveIn(r.stack, encryption.kms_key_id) : undefined,
      address: `${r.stack.name}:aws_sfn_state_machine.${r.id}`,
      definition: JSON.parse(model.resolveIn(r.stack, r.body.definition)) as unknown,
    };
  });
}

/** `[stateName, state]` of every Task state, found by walking every `States` object in the definition. */
export function taskStatesOf(definition: unknown): [string, TaskLike][] {
  const out: [string, TaskLike][] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const states = (node as { States?: unknown }).States;
      if (states && typeof states === 'object')
        for (const [name, state] of Object.entries(states as Record<string, unknown>))
          if ((state as { Type?: unknown }).Type === 'Task') out.push([name, state as TaskLike]);
      Object.values(node).forEach(walk);
    }
  };
  walk(definition);
  return out;
}
