import { type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** Each stack's template, under the stack's name in the app's stacks object. */
export function templatesOf<S extends { [K in keyof S]: Stack }>(stacks: S): Record<keyof S, Template> {
  return Object.fromEntries(
    Object.entries<Stack>(stacks).map(([name, stack]) => [name, Template.fromStack(stack)]),
  ) as Record<keyof S, Template>;
}

/** Every cdk-nag acknowledgement in the stacks, with its written reason. */
export function acknowledgements<S extends { [K in keyof S]: Stack }>(
  stacks: S,
): { id: string; reason: string }[] {
  const acks: { id: string; reason: string }[] = [];
  for (const stack of Object.values<Stack>(stacks)) {
    for (const construct of stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
          acks.push({ id, reason: typeof reason === 'string' ? reason : JSON.stringify(reason) });
        }
      }
    }
  }
  return acks;
}
