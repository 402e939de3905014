/** The parts of a CloudFormation template the embedded cloud reads. */
export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  Metadata?: unknown;
}

export interface TemplateOutput {
  Value: unknown;
  Description?: string;
  Condition?: string;
  Export?: { Name: unknown };
}

export interface TemplateParameter {
  Type: string;
  Default?: unknown;
}

export interface Template {
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, TemplateOutput>;
  Parameters?: Record<string, TemplateParameter>;
  Conditions?: Record<string, unknown>;
  Rules?: unknown;
}

/** What a created resource exposes to Ref and Fn::GetAtt. */
export interface PhysicalResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}
