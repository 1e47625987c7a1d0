import type { ImageContentType } from './api'

/** The image types `PUT /v1/products/{id}/image` takes, and its size limit. */
export type ImageType = ImageContentType
export const IMAGE_TYPES: readonly ImageType[] = ['image/png', 'image/jpeg', 'image/webp']
export const MAX_IMAGE_BYTES = 300 * 1024

export function isImageType(t: string): t is ImageType {
  return (IMAGE_TYPES as readonly string[]).includes(t)
}

/** Why a file cannot be a product image (null when it can). */
export function imageProblem(file: { type: string; size: number }): string | null {
  if (!isImageType(file.type)) return 'Choose a PNG, JPEG or WebP image (SVG is not accepted).'
  if (file.size > MAX_IMAGE_BYTES) return `The image is ${Math.ceil(file.size / 1024)} KiB; at most 300 KiB is accepted. Make it smaller and try again.`
  return null
}

/** The bytes as base64 (without a `data:` prefix). */
export function toBase64(bytes: Uint8Array): string {
  let s = ''
  const chunk = 0x8000
  for (let i = 0; i < bytes.length; i += chunk) s += String.fromCharCode(...bytes.subarray(i, i + chunk))
  return btoa(s)
}

export async function fileBase64(file: Blob): Promise<string> {
  return toBase64(new Uint8Array(await file.arrayBuffer()))
}
