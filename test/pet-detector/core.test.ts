import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LOCAL_MODEL_THRESHOLDS, REKOGNITION_THRESHOLDS } from '../../classifier/classify.ts';
import { LABEL_MODEL_VERSION } from '../../classifier/local/detections.ts';
import { handlePetApiRequest, type PetApiPorts } from '../../handlers/pet-detector/core/api.ts';
import { imageFormat } from '../../handlers/pet-detector/core/image-format.ts';
import { destinationKey, executionName, imageIdOf } from '../../handlers/pet-detector/core/image-key.ts';
import { countChanges } from '../../handlers/pet-detector/core/label-counts.ts';
import { encodeCursor, parseListQuery } from '../../handlers/pet-detector/core/list-query.ts';
import type { DetectionRecord } from '../../handlers/pet-detector/core/records.ts';
import {
  completedRecord,
  describeStepError,
  failedRecord,
} from '../../handlers/pet-detector/core/records.ts';
import { uploadedImages } from '../../handlers/pet-detector/core/s3-event.ts';
import { thresholdsFor } from '../../handlers/pet-detector/core/thresholds.ts';
import { parseUploadRequest } from '../../handlers/pet-detector/core/upload.ts';
import { classifyStepError } from '../../handlers/pet-detector/step-errors.ts';

const MB5 = 5 * 1024 * 1024;

describe('POST /uploads body', () => {
  it('accepts a JPEG or PNG of a size within the limit', () => {
    expect(parseUploadRequest('{"contentType":"image/png","sizeBytes":1234}', MB5)).toEqual({
      contentType: 'image/png',
      sizeBytes: 1234,
    });
  });

  it.each([
    [null, /^body: required/],
    ['{', /^body: not valid JSON/],
    ['[]', /^body: must be a JSON object/],
    ['{"contentType":"image/gif","sizeBytes":1}', /^contentType: must be one of image\/jpeg, image\/png/],
    ['{"contentType":"image/png"}', /^sizeBytes: must be a positive integer, got null/],
    ['{"contentType":"image/png","sizeBytes":1.5}', /^sizeBytes: must be a positive integer/],
    ['{"contentType":"image/png","sizeBytes":0}', /^sizeBytes: must be a positive integer/],
    ['{"contentType":"image/png","sizeBytes":1,"x":1}', /^x: unknown field/],
  ])('refuses %s naming the field', (body, message) => {
    expect(() => parseUploadRequest(body, MB5)).toThrow(message);
  });

  it('refuses a size over the limit with 413', () => {
    try {
      parseUploadRequest(`{"contentType":"image/jpeg","sizeBytes":${MB5 + 1}}`, MB5);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({
        statusCode: 413,
        message: expect.stringMatching(/^sizeBytes: .* over the limit/),
      });
    }
  });
});

describe('keys and execution names', () => {
  it('takes the image id from the file name under input/ and files into the folder of the label', () => {
    expect(imageIdOf('input/3f1c.jpg')).toBe('3f1c');
    expect(imageIdOf('input/my cat (1).png')).toBe('my_cat_(1)'.replace(/[()]/g, '_'));
    expect(() => imageIdOf('cats/x.jpg')).toThrow(/not under input\//);
    expect(destinationKey('input/3f1c.jpg', 'cat')).toBe('cats/3f1c.jpg');
    expect(destinationKey('input/3f1c.jpg', 'other')).toBe('others/3f1c.jpg');
  });

  it('names an execution after bucket, key and version: same event, same name; another version, another', () => {
    const a = executionName('b', 'input/x.jpg', 'v1');
    expect(a).toBe(executionName('b', 'input/x.jpg', 'v1'));
    expect(a).not.toBe(executionName('b', 'input/x.jpg', 'v2'));
    expect(a).not.toBe(executionName('c', 'input/x.jpg', 'v1'));
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(executionName('b', `input/${'é'.repeat(300)}.jpg`, 'v')).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it('reads created objects under input/ from S3 events (URL-encoded keys), skipping the rest', () => {
    const record = (eventName: string, key: string) => ({
      eventName,
      s3: { bucket: { name: 'b' }, object: { key, size: 10, versionId: 'v', sequencer: '0A' } },
    });
    expect(
      uploadedImages({
        Records: [
          record('ObjectCreated:Put', 'input/my+cat%281%29.jpg'),
          record('ObjectCreated:Copy', 'cats/a.jpg'),
          record('ObjectRemoved:Delete', 'input/b.jpg'),
          record('ObjectCreated:Put', 'input/'),
        ],
      }),
    ).toEqual([{ bucket: 'b', key: 'input/my cat(1).jpg', versionId: 'v', sequencer: '0A', size: 10 }]);
  });
});

describe('image format and thresholds', () => {
  it('tells JPEG and PNG from their first bytes, not from names', () => {
    expect(imageFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpg');
    expect(imageFormat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('png');
    expect(imageFormat(new TextEncoder().encode('hello, not an image'))).toBe('unknown');
  });

  it('picks the preset of the model that answered; an override is checked and names the field', () => {
    expect(thresholdsFor(LABEL_MODEL_VERSION)).toBe(LOCAL_MODEL_THRESHOLDS);
    expect(thresholdsFor('3.0')).toBe(REKOGNITION_THRESHOLDS);
    expect(thresholdsFor('3.0', '{"acceptAt":90}').acceptAt).toBe(90);
    expect(() => thresholdsFor('3.0', '{"acceptAt":190}')).toThrow(/acceptAt must be a number from 0 to 100/);
    expect(() => thresholdsFor('3.0', 'nope')).toThrow(/CLASSIFIER_THRESHOLDS: not valid JSON/);
  });

  it('maps SDK errors to the workflow names: bad images are not retried, throttling is', () => {
    const sdk = (name: string, status = 400) =>
      Object.assign(new Error('m'), { name, $metadata: { httpStatusCode: status } });
    expect(classifyStepError(sdk('InvalidImageFormatException')).name).toBe('InvalidImage');
    expect(classifyStepError(sdk('ThrottlingException')).name).toBe('ServiceUnavailable');
    expect(classifyStepError(sdk('Whatever', 503)).name).toBe('ServiceUnavailable');
    expect(classifyStepError(sdk('AccessDenied', 403)).name).toBe('AccessDenied');
  });
});

describe('records', () => {
  const classification = {
    animal: 'dog' as const,
    confidence: 41.26,
    uncertain: true,
    folder: 'other' as const,
  };

  it('writes the seed schema for a completed image, uncertain ones filed as other with the guess kept', () => {
    const record = completedRecord({
      imageId: 'abc',
      bucket: 'bkt',
      destinationKey: 'others/abc.jpg',
      classification,
      labels: [{ Name: 'Dog', Confidence: 41.26 }],
      labelModelVersion: 'm',
      size: 1024,
      format: 'jpg',
      nowMs: Date.UTC(2025, 7, 4, 11, 42),
      recordDays: 10,
    });
    expect(record).toMatchObject({
      ImageID: 'abc',
      DetectedAnimal: 'other',
      BestGuess: 'dog',
      Uncertain: true,
      ConfidenceScore: 41.3,
      Timestamp: '2025-08-04T11:42:00.000Z',
      S3Location: 's3://bkt/others/abc.jpg',
      ProcessingStatus: 'completed',
      FileSize: 1024,
      ImageFormat: 'jpg',
      ExpiresAt: Date.UTC(2025, 7, 4, 11, 42) / 1000 + 10 * 86_400,
    });
  });

  it('keeps the error of a failed execution: a Lambda error message from its Cause', () => {
    const cause = JSON.stringify({
      errorType: 'InvalidImage',
      errorMessage: 'not a JPEG or PNG image',
      trace: [],
    });
    expect(describeStepError({ Error: 'InvalidImage', Cause: cause })).toEqual({
      error: 'InvalidImage',
      cause: 'not a JPEG or PNG image',
    });
    expect(describeStepError({ Error: 'States.Timeout', Cause: 'timed out' })).toEqual({
      error: 'States.Timeout',
      cause: 'timed out',
    });
    const failed = failedRecord({
      imageId: 'x',
      bucket: 'b',
      key: 'input/x.jpg',
      error: { Error: 'InvalidImage', Cause: cause },
      nowMs: 0,
      recordDays: 0,
    });
    expect(failed).toMatchObject({
      ProcessingStatus: 'failed',
      Error: 'InvalidImage',
      S3Location: 's3://b/input/x.jpg',
    });
    expect(failed).not.toHaveProperty('ExpiresAt');
  });
});

describe('listing and counting', () => {
  it('checks label, limit and the cursor', () => {
    expect(parseListQuery({ label: 'cat' })).toEqual({ label: 'cat', limit: 20 });
    expect(() => parseListQuery(null)).toThrow(/^label: required/);
    expect(() => parseListQuery({ label: 'cow' })).toThrow(/^label: must be cat, dog or other/);
    expect(() => parseListQuery({ label: 'cat', limit: '0' })).toThrow(
      /^limit: must be an integer from 1 to 100/,
    );
    expect(() => parseListQuery({ label: 'cat', limit: '2x' })).toThrow(/^limit/);
    expect(() => parseListQuery({ label: 'cat', next: 'garbage' })).toThrow(/^next: not a cursor/);
    const cursor = encodeCursor({ ImageID: 'a', DetectedAnimal: 'dog', Timestamp: 't' }) as string;
    expect(parseListQuery({ label: 'dog', next: cursor }).startKey).toEqual({
      ImageID: 'a',
      DetectedAnimal: 'dog',
      Timestamp: 't',
    });
    expect(() => parseListQuery({ label: 'cat', next: cursor })).toThrow(/another label/);
  });

  it('counts an image once when it reaches completed (under its label) or failed', () => {
    const rec = (
      eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
      next?: Record<string, string>,
      old?: Record<string, string>,
    ) =>
      ({
        eventName,
        dynamodb: {
          ...(next
            ? { NewImage: Object.fromEntries(Object.entries(next).map(([k, v]) => [k, { S: v }])) }
            : {}),
          ...(old
            ? { OldImage: Object.fromEntries(Object.entries(old).map(([k, v]) => [k, { S: v }])) }
            : {}),
        },
      }) as DynamoDBRecord;
    expect(
      countChanges([
        rec('INSERT', { ImageID: 'a', ProcessingStatus: 'uploading' }),
        rec(
          'MODIFY',
          { ImageID: 'a', ProcessingStatus: 'completed', DetectedAnimal: 'cat' },
          { ImageID: 'a', ProcessingStatus: 'uploading' },
        ),
        rec(
          'MODIFY',
          { ImageID: 'a', ProcessingStatus: 'completed', DetectedAnimal: 'cat' },
          { ImageID: 'a', ProcessingStatus: 'completed' },
        ),
        rec('INSERT', { ImageID: 'b', ProcessingStatus: 'failed' }),
        rec('REMOVE', undefined, { ImageID: 'c', ProcessingStatus: 'completed', DetectedAnimal: 'dog' }),
      ]),
    ).toEqual([
      { label: 'cat', imageId: 'a' },
      { label: 'failed', imageId: 'b' },
    ]);
  });
});

describe('the API (pure, over in-memory ports)', () => {
  function ports(): PetApiPorts & { records: Map<string, DetectionRecord> } {
    const records = new Map<string, DetectionRecord>();
    return {
      records,
      bucket: 'bkt',
      maxUploadBytes: MB5,
      recordDays: 1,
      newImageId: () => 'id-1',
      now: () => 0,
      async putRecord(record) {
        records.set(record.ImageID, record);
      },
      async getRecord(id) {
        return records.get(id) as Record<string, unknown> | undefined;
      },
      async queryByLabel() {
        return { items: [] };
      },
      async presignPut(key, type, size) {
        return { url: `put:${key}:${type}:${size}`, expiresIn: 300 };
      },
      async presignGet(bucket, key) {
        return { url: `get:${bucket}/${key}`, expiresIn: 300 };
      },
    };
  }
  const request = (method: string, resource: string, extra: object = {}) => ({
    method,
    resource,
    pathParameters: null,
    query: null,
    body: null,
    ...extra,
  });

  it('POST /uploads: a pending record and a PUT signed for the type and size', async () => {
    const p = ports();
    const res = await handlePetApiRequest(
      request('POST', '/uploads', { body: '{"contentType":"image/jpeg","sizeBytes":99}' }),
      p,
    );
    expect(res).toEqual({
      statusCode: 201,
      body: {
        imageId: 'id-1',
        key: 'input/id-1.jpg',
        upload: {
          method: 'PUT',
          url: 'put:input/id-1.jpg:image/jpeg:99',
          headers: { 'content-type': 'image/jpeg', 'content-length': '99' },
          expiresIn: 300,
        },
      },
    });
    expect(p.records.get('id-1')).toMatchObject({
      ProcessingStatus: 'uploading',
      S3Location: 's3://bkt/input/id-1.jpg',
    });
    const got = await handlePetApiRequest(
      request('GET', '/images/{id}', { pathParameters: { id: 'id-1' } }),
      p,
    );
    expect(got.body).toMatchObject({
      record: { ImageID: 'id-1' },
      download: { url: 'get:bkt/input/id-1.jpg' },
    });
    expect((got.body as { record: object }).record).not.toHaveProperty('ExpiresAt');
  });

  it('answers 4xx JSON naming the problem', async () => {
    const p = ports();
    expect(
      await handlePetApiRequest(request('GET', '/images/{id}', { pathParameters: { id: 'nope' } }), p),
    ).toEqual({
      statusCode: 404,
      body: { error: 'id: no image nope' },
    });
    expect(
      await handlePetApiRequest(request('GET', '/images/{id}', { pathParameters: { id: '../x' } }), p),
    ).toMatchObject({
      statusCode: 400,
    });
    expect(
      await handlePetApiRequest(request('GET', '/images', { query: { label: 'cow' } }), p),
    ).toMatchObject({
      statusCode: 400,
      body: { error: expect.stringMatching(/^label:/) },
    });
    expect(await handlePetApiRequest(request('DELETE', '/images'), p)).toMatchObject({ statusCode: 404 });
  });
});
