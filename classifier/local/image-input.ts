import { createCanvas, loadImage } from 'canvas';
import { InvalidImageFormatError } from '../labels.ts';

/** The image formats Rekognition accepts, told by their first bytes. */
export type ImageFormat = 'jpeg' | 'png';

export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= png.length && png.every((b, i) => bytes[i] === b)) return 'png';
  return undefined;
}

export interface ModelInput {
  /** side × side × 3 RGB values 0..255, the image scaled to fit and padded black at right/bottom. */
  readonly rgb: Float32Array;
  readonly side: number;
  /** Scale from image pixels to model pixels (the same on both axes: the aspect ratio is kept). */
  readonly scale: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Decodes JPEG/PNG bytes (node-canvas, already a dependency for the charts) and letterboxes the
 * image into the model's square input: stretching it instead lost the German shepherd to "Horse".
 */
export async function toModelInput(bytes: Uint8Array, side: number): Promise<ModelInput> {
  if (sniffImageFormat(bytes) === undefined) {
    throw new InvalidImageFormatError('Request has invalid image format');
  }
  let image: Awaited<ReturnType<typeof loadImage>>;
  try {
    image = await loadImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new InvalidImageFormatError(`Request has invalid image format (${(error as Error).message})`);
  }
  if (image.width < 1 || image.height < 1)
    throw new InvalidImageFormatError('Request has invalid image format');
  const scale = Math.min(side / image.width, side / image.height);
  const canvas = createCanvas(side, side);
  const context = canvas.getContext('2d');
  context.fillStyle = 'black';
  context.fillRect(0, 0, side, side);
  context.drawImage(image, 0, 0, Math.round(image.width * scale), Math.round(image.height * scale));
  const rgba = context.getImageData(0, 0, side, side).data;
  const rgb = new Float32Array(side * side * 3);
  for (let source = 0, target = 0; source < rgba.length; source += 4, target += 3) {
    rgb[target] = rgba[source] as number;
    rgb[target + 1] = rgba[source + 1] as number;
    rgb[target + 2] = rgba[source + 2] as number;
  }
  return { rgb, side, scale, width: image.width, height: image.height };
}
