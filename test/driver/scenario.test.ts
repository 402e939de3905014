import { describe, expect, it } from 'vitest';
import { plotRequestUrl } from '../../handlers/driver/plot-url.ts';
import { defaultScenario, planFromRequest } from '../../handlers/driver/scenario.ts';

describe('driver scenario', () => {
  it('plays the seeds scenario by default: totals 18, 27, 0 and 2 bytes', () => {
    let total = 0;
    const totals: number[] = [];
    const sizes = new Map<string, number>();
    for (const step of defaultScenario) {
      total -= sizes.get(step.key) ?? 0;
      sizes.delete(step.key);
      if (step.action === 'put') {
        sizes.set(step.key, Buffer.byteLength(step.body));
        total += Buffer.byteLength(step.body);
      }
      totals.push(total);
    }
    expect(totals).toEqual([18, 27, 0, 2]);
    expect(planFromRequest(undefined, 1500)).toEqual({
      steps: defaultScenario,
      pauseMs: 1500,
      windowSeconds: 300,
    });
  });

  it('takes a custom scenario and pause, and names the bad field otherwise', () => {
    expect(
      planFromRequest({ scenario: [{ action: 'delete', key: 'a' }], pauseMs: 0, windowSeconds: 30 }, 1),
    ).toEqual({ steps: [{ action: 'delete', key: 'a' }], pauseMs: 0, windowSeconds: 30 });
    expect(() => planFromRequest({ scenario: [] }, 1)).toThrow('"scenario"');
    expect(() => planFromRequest({ scenario: [{ action: 'copy', key: 'a' }] }, 1)).toThrow('scenario[0]');
    expect(() => planFromRequest({ scenario: [{ action: 'put', key: 'a' }] }, 1)).toThrow(
      'scenario[0]".body',
    );
    expect(() => planFromRequest({ pauseMs: -1 }, 1)).toThrow('"pauseMs"');
    expect(() => planFromRequest({ windowSeconds: 0 }, 1)).toThrow('"windowSeconds"');
    expect(() => planFromRequest({ pauseMs: 3_600_000 }, 1)).toThrow('"pauseMs"');
    expect(() => planFromRequest({ windowSeconds: 1e12 }, 1)).toThrow('"windowSeconds"');
    expect(() => planFromRequest({ pausems: 0 }, 1)).toThrow('"pausems" is unknown');
    expect(() => planFromRequest('go', 1)).toThrow('JSON object');
    expect(() => planFromRequest([1], 1)).toThrow('JSON object');
    expect(() => planFromRequest({ scenario: [{ action: 'put', key: 'k', body: 'b', x: 1 }] }, 1)).toThrow(
      'scenario[0]".x is unknown',
    );
    expect(() => planFromRequest({ scenario: [{ action: 'delete', key: 'k'.repeat(1025) }] }, 1)).toThrow(
      'scenario[0]".key',
    );
    expect(() => planFromRequest({ scenario: [{ action: 'delete', key: 'a\ud800' }] }, 1)).toThrow(
      'scenario[0]".key',
    );
    expect(planFromRequest(null, 7)).toMatchObject({ pauseMs: 7, windowSeconds: 300 });
  });
});

describe('plotRequestUrl', () => {
  const awsUrl = 'https://abc123xyz.execute-api.us-east-1.amazonaws.com/dev/plot';

  it('uses the API URL as it is without an endpoint override (AWS) or when it is already local', () => {
    expect(plotRequestUrl(awsUrl, undefined).toString()).toBe(awsUrl);
    const local = 'http://127.0.0.1:4000/_aws/execute-api/abc123xyz/dev/plot';
    expect(plotRequestUrl(local, 'http://localhost.localstack.cloud:4566').toString()).toBe(local);
  });

  it("routes an AWS-form URL through the override's execute-api path (LocalStack)", () => {
    expect(plotRequestUrl(awsUrl, 'http://localhost.localstack.cloud:4566/').toString()).toBe(
      'http://localhost.localstack.cloud:4566/_aws/execute-api/abc123xyz/dev/plot',
    );
  });

  it.each([
    ['AWS China', 'https://abc123xyz.execute-api.cn-north-1.amazonaws.com.cn/dev/plot'],
    // LocalStack 4.14's rewrite (change_set_model_preproc.py): <id>.execute-api.<LOCALSTACK_HOST>:4566
    ['LocalStack, default host', 'https://abc123xyz.execute-api.localhost.localstack.cloud:4566/dev/plot'],
    ['LocalStack, Docker host by name', 'https://abc123xyz.execute-api.localstack:4566/dev/plot'],
    ['LocalStack, Docker host by address', 'https://abc123xyz.execute-api.192.168.1.20:4566/dev/plot'],
    ['LocalStack, http', 'http://abc123xyz.execute-api.localhost.localstack.cloud:4566/dev/plot'],
    // AWS::URLSuffix as LocalStack resolves it, when the output is not rewritten
    ['LocalStack URL suffix', 'https://abc123xyz.execute-api.us-east-1.localhost.localstack.cloud/dev/plot'],
  ])('localizes the %s form when an endpoint override is set', (_, url) => {
    expect(plotRequestUrl(url, 'http://172.17.0.2:4566').toString()).toBe(
      'http://172.17.0.2:4566/_aws/execute-api/abc123xyz/dev/plot',
    );
    // (an IPv4 address after ".execute-api." is no valid URL host: only its localized form works)
    if (URL.canParse(url)) expect(plotRequestUrl(url, undefined).toString()).toBe(url);
  });

  it('keeps a stage-only URL and leaves other hosts alone', () => {
    expect(plotRequestUrl('https://abc.execute-api.localstack:4566', 'http://h:4566').toString()).toBe(
      'http://h:4566/_aws/execute-api/abc/',
    );
    const other = 'https://plots.example.com/dev/plot';
    expect(plotRequestUrl(other, 'http://h:4566').toString()).toBe(other);
  });
});
