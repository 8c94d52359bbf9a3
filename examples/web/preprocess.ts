// From a drawing to what the network sees, as MNIST's digits were made (LeCun et al.): the digit
// is cropped to its bounding box, scaled with anti-aliasing so its longer side is 20 pixels
// (aspect ratio kept), and placed in a 28×28 image so that its center of mass is the image's
// center. Pure functions over Float32Array, no DOM: the test calls them directly.

export const SIDE = 28;
/** The box the digit is scaled into (MNIST: 20×20 inside 28×28). */
export const BOX = 20;

/**
 * Turns a grayscale drawing (`width × height` values, 0 = background, 1 = ink) into 784 values in
 * [0, 1], MNIST-style; null when nothing is drawn (no value above `threshold`).
 */
export function toMnist(gray: Float32Array, width: number, height: number, threshold = 0.05): Float32Array | null {
  if (gray.length !== width * height) throw new Error(`toMnist: ${gray.length} values for a ${width}×${height} image`);
  // 1. The bounding box of the ink.
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (gray[y * width + x]! > threshold) {
        if (y < top) top = y;
        if (y > bottom) bottom = y;
        if (x < left) left = x;
        if (x > right) right = x;
      }
    }
  }
  if (bottom < 0) return null;
  const boxW = right - left + 1;
  const boxH = bottom - top + 1;
  const crop = new Float32Array(boxW * boxH);
  for (let y = 0; y < boxH; y++) crop.set(gray.subarray((top + y) * width + left, (top + y) * width + left + boxW), y * boxW);

  // 2. Longer side to 20 pixels, by area averaging (a thin stroke stays gray, not dropped).
  const scale = BOX / Math.max(boxW, boxH);
  const w = Math.max(1, Math.round(boxW * scale));
  const h = Math.max(1, Math.round(boxH * scale));
  const small = resampleArea(crop, boxW, boxH, w, h);

  // 3. Center of mass to the center (14, 14), by a whole-pixel shift as MNIST did.
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = small[y * w + x]!;
      mass += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  }
  const offsetX = Math.round(SIDE / 2 - cx / mass);
  const offsetY = Math.round(SIDE / 2 - cy / mass);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < h; y++) {
    const ty = y + offsetY;
    if (ty < 0 || ty >= SIDE) continue;
    for (let x = 0; x < w; x++) {
      const tx = x + offsetX;
      if (tx < 0 || tx >= SIDE) continue;
      out[ty * SIDE + tx] = Math.min(1, small[y * w + x]!);
    }
  }
  return out;
}

/**
 * Resizes an image by area averaging: each output pixel is the mean of the input area it covers,
 * partial pixels weighted by their overlap. Separable: rows first, then columns.
 */
export function resampleArea(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const rows = new Float32Array(dw * sh);
  const wx = areaWeights(sw, dw);
  for (let y = 0; y < sh; y++) {
    for (const { out, from, weights } of wx) {
      let s = 0;
      for (let k = 0; k < weights.length; k++) s += src[y * sw + from + k]! * weights[k]!;
      rows[y * dw + out] = s;
    }
  }
  const dst = new Float32Array(dw * dh);
  const wy = areaWeights(sh, dh);
  for (const { out, from, weights } of wy) {
    for (let x = 0; x < dw; x++) {
      let s = 0;
      for (let k = 0; k < weights.length; k++) s += rows[(from + k) * dw + x]! * weights[k]!;
      dst[out * dw + x] = s;
    }
  }
  return dst;
}

/** For each output index along one axis: the first input index it covers and the weights (summing to 1). */
function areaWeights(n: number, m: number): { out: number; from: number; weights: number[] }[] {
  const ratio = n / m; // input pixels per output pixel
  const result: { out: number; from: number; weights: number[] }[] = [];
  for (let o = 0; o < m; o++) {
    const start = o * ratio;
    const end = (o + 1) * ratio;
    const from = Math.floor(start);
    const weights: number[] = [];
    for (let i = from; i < Math.min(n, Math.ceil(end)); i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      weights.push(overlap / ratio);
    }
    result.push({ out: o, from, weights });
  }
  return result;
}
