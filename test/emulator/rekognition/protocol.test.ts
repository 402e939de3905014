import { describe, expect, it } from 'vitest';
import {
  MAX_IMAGE_BYTES,
  parseDetectLabelsRequest,
  RekognitionError,
} from '../../../emulator/rekognition/protocol.ts';

function errorOf(body: unknown): { type: string; message: string } {
  try {
    parseDetectLabelsRequest(body);
  } catch (error) {
    if (error instanceof RekognitionError) return { type: error.type, message: error.message };
    throw error;
  }
  throw new Error('expected a RekognitionError');
}

describe('parseDetectLabelsRequest', () => {
  it('reads Bytes, S3Object, MaxLabels and MinConfidence', () => {
    const bytes = parseDetectLabelsRequest({ Image: { Bytes: 'AQID' }, MaxLabels: 3, MinConfidence: 70.5 });
    expect(bytes.image).toEqual({ kind: 'bytes', bytes: Buffer.from([1, 2, 3]) });
    expect([bytes.maxLabels, bytes.minConfidence]).toEqual([3, 70.5]);
    expect(
      parseDetectLabelsRequest({ Image: { S3Object: { Bucket: 'b', Name: 'in/k.jpg', Version: 'v1' } } })
        .image,
    ).toEqual({
      kind: 's3',
      bucket: 'b',
      key: 'in/k.jpg',
      versionId: 'v1',
    });
  });

  it('answers bad input as Rekognition does, naming the field', () => {
    expect(errorOf({})).toMatchObject({
      type: 'ValidationException',
      message: expect.stringContaining("'image'"),
    });
    expect(errorOf({ Image: {} }).type).toBe('InvalidParameterException');
    expect(errorOf({ Image: { Bytes: 'AQID', S3Object: { Bucket: 'b', Name: 'k' } } }).type).toBe(
      'InvalidParameterException',
    );
    expect(errorOf({ Image: { Bytes: 'not base64!' } }).type).toBe('SerializationException');
    expect(errorOf({ Image: { S3Object: { Bucket: 'b' } } }).message).toContain("'image.s3Object.name'");
    expect(errorOf({ Image: { Bytes: 'AQID' }, MinConfidence: 101 }).message).toContain("'minConfidence'");
    expect(errorOf({ Image: { Bytes: 'AQID' }, MaxLabels: -1 }).message).toContain("'maxLabels'");
    expect(errorOf({ Image: { Bytes: 'AQID' }, MaxLabels: 1.5 }).type).toBe('ValidationException');
    expect(errorOf([]).type).toBe('SerializationException');
  });

  it('refuses more than 5 MB of image bytes before decoding them', () => {
    const tooLarge = Buffer.alloc(MAX_IMAGE_BYTES + 1).toString('base64');
    expect(errorOf({ Image: { Bytes: tooLarge } })).toEqual({
      type: 'ImageTooLargeException',
      message: 'Image size is too large.',
    });
    const largest = Buffer.alloc(MAX_IMAGE_BYTES).toString('base64');
    expect(parseDetectLabelsRequest({ Image: { Bytes: largest } }).image.kind).toBe('bytes');
  });
});
