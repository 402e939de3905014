import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { compatApp } from '../cdk-app.ts';

/** Python, inline in the template (Code.fromInline: Code.ZipFile). */
const SUMMER = `
import os

def handler(event, context):
    numbers = event['numbers']
    return {
        'sum': sum(numbers),
        'count': len(numbers),
        'function': context.function_name,
        'greeting': os.environ['GREETING'],
    }
`;

export function synthesize(outdir: string): void {
  const app = compatApp(outdir);
  const stack = new Stack(app, 'Compat-PythonInline');
  const summer = new LambdaFunction(stack, 'Summer', {
    runtime: Runtime.PYTHON_3_12,
    handler: 'index.handler',
    code: Code.fromInline(SUMMER),
    timeout: Duration.seconds(10),
    environment: { GREETING: 'hej' },
  });
  new CfnOutput(stack, 'FunctionName', { value: summer.functionName });
  app.synth();
}
