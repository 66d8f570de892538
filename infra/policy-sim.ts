import type { Template } from 'aws-cdk-lib/assertions';

/**
 * A small evaluator of synthesised IAM Allow statements, for tests: does any statement attached to
 * a role (or a managed policy) allow this action on this resource with this request context? It
 * exists because moto, the AWS of the test environment, does not enforce IAM at all, so only this
 * says whether the grants cover what the code really requests. Deliberately partial: Allow only,
 * `*` wildcards, StringEquals/StringLike conditions (the only kinds the hub stack writes), and
 * CloudFormation tokens rendered as `<LogicalId.Attr>` / `<Ref>` text.
 */
export interface Stmt {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export function render(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as Record<string, unknown>;
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(sep);
  }
  if ('Fn::GetAtt' in o) {
    const [id, attr] = o['Fn::GetAtt'] as [string, string];
    return `<${id}.${attr}>`;
  }
  if ('Ref' in o) return `<${String(o.Ref)}>`;
  throw new Error(`cannot render ${JSON.stringify(v)}`);
}

const glob = (pattern: string, s: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(s);

function conditionsHold(cond: Stmt['Condition'], ctx: Record<string, string>): boolean {
  for (const [op, keys] of Object.entries(cond ?? {})) {
    for (const [key, want] of Object.entries(keys)) {
      const have = ctx[key];
      if (have === undefined) return false;
      const values = [want].flat().map(render);
      if (op === 'StringEquals' && !values.includes(have)) return false;
      if (op === 'StringLike' && !values.some((v) => glob(v, have))) return false;
      if (op !== 'StringEquals' && op !== 'StringLike') throw new Error(`condition operator ${op} is not simulated`);
    }
  }
  return true;
}

/** Statements of the inline policies attached to a role, and of the managed policies naming it. */
export function statementsOf(t: Template, role: { logicalId?: string; name?: string }): Stmt[] {
  const attached = (roles: unknown) =>
    [roles ?? []].flat().some((r) => (role.logicalId && JSON.stringify(r) === JSON.stringify({ Ref: role.logicalId })) || (role.name && r === role.name));
  const policies = [...Object.values(t.findResources('AWS::IAM::Policy')), ...Object.values(t.findResources('AWS::IAM::ManagedPolicy'))];
  return policies.filter((p) => attached(p.Properties.Roles)).flatMap((p) => p.Properties.PolicyDocument.Statement as Stmt[]);
}

export function allows(stmts: Stmt[], action: string, resource: string, ctx: Record<string, string> = {}): boolean {
  return stmts.some(
    (s) =>
      s.Effect === 'Allow' &&
      [s.Action].flat().some((a) => glob(a, action)) &&
      [s.Resource].flat().map(render).some((r) => glob(r, resource)) &&
      conditionsHold(s.Condition, ctx),
  );
}
