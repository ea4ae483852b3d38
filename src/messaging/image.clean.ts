// Uploaded images are decoded in full and re-encoded before they are stored (issue 14.5): a file
// that only starts like an image (a PNG header followed by HTML) does not decode and is refused,
// bytes after the image's end are dropped, and metadata is not carried over — EXIF location, camera
// serial numbers and comments are personal data. JPEG orientation is applied to the pixels first,
// so dropping the EXIF tag does not turn photos on their side.
//
// Decoding and encoding use sharp (libvips; pinned in package.json): maintained, ships its native
// library in npm packages (nothing downloaded at install), decodes all four accepted formats,
// bounds the decoded size, and strips metadata by default when it writes.
import sharp, { type FormatEnum } from 'sharp';
import { DomainError } from '../errors/catalogue.js';
import type { ImageType } from './image.sniff.js';

// No cache of decoded images between requests: each upload is decoded once.
sharp.cache(false);

/** The largest decoded image accepted (pixels, all frames of an animation): a decompression-bomb bound. */
export const maxImagePixels = 50_000_000;

const formats: Record<ImageType, keyof FormatEnum> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };

/** Decodes `bytes` (already sniffed as `type`) and re-encodes them without metadata; NOT_AN_IMAGE when they do not decode. */
export async function cleanImage(bytes: Uint8Array, type: ImageType): Promise<Buffer> {
  const notAnImage = (): DomainError =>
    new DomainError('NOT_AN_IMAGE', `this file starts like ${type} but is not a complete, valid image; export it again from an image program`);
  const animated = type === 'image/gif' || type === 'image/webp';
  try {
    const input = sharp(bytes, { failOn: 'error', limitInputPixels: maxImagePixels, animated });
    const metadata = await input.metadata();
    if (metadata.format !== formats[type]) throw notAnImage();
    const oriented = type === 'image/jpeg' ? input.rotate() : input;
    return await oriented.toFormat(formats[type], type === 'image/jpeg' || type === 'image/webp' ? { quality: 90 } : {}).toBuffer();
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw notAnImage();
  }
}
