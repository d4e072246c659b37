// Pictures for the mock backend, made in code so the tree ships no binary files: SVG for crisp
// gallery art and a small real PNG (stored deflate) so PNG decoding is exercised too.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

function chunk(type: string, data: Uint8Array): number[] {
  const typed = new Uint8Array([...type].map((c) => c.charCodeAt(0)).concat([...data]));
  return [...u32(data.length), ...typed, ...u32(crc32(typed))];
}

/** zlib with stored (uncompressed) blocks: valid everywhere, no compressor needed. */
function zlibStored(raw: Uint8Array): Uint8Array {
  const out: number[] = [0x78, 0x01];
  for (let offset = 0; offset < raw.length || offset === 0; offset += 65535) {
    const block = raw.subarray(offset, offset + 65535);
    const final = offset + 65535 >= raw.length ? 1 : 0;
    out.push(final, block.length & 0xff, block.length >>> 8, ~block.length & 0xff, (~block.length >>> 8) & 0xff);
    out.push(...block);
    if (final) break;
  }
  out.push(...u32(adler32(raw)));
  return new Uint8Array(out);
}

type Rgb = [number, number, number];

export function pngBytes(width: number, height: number, pixel: (x: number, y: number) => Rgb): Uint8Array {
  const raw = new Uint8Array(height * (1 + width * 3));
  let i = 0;
  for (let y = 0; y < height; y++) {
    raw[i++] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[i++] = r;
      raw[i++] = g;
      raw[i++] = b;
    }
  }
  const header = new Uint8Array([...u32(width), ...u32(height), 8, 2, 0, 0, 0]);
  return new Uint8Array([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ...chunk('IHDR', header),
    ...chunk('IDAT', zlibStored(raw)),
    ...chunk('IEND', new Uint8Array()),
  ]);
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function textToBase64(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}

/** A small deterministic generator, so every run draws the same pictures and numbers. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const PALETTES: [string, string, string][] = [
  ['#ff9a8b', '#ff6a88', '#ffd86f'],
  ['#1d2b64', '#f8cdda', '#5b86e5'],
  ['#0f2027', '#2c5364', '#ff5f6d'],
  ['#e0eafc', '#6a8caf', '#2f4858'],
  ['#134e5e', '#71b280', '#f9d423'],
];

/** Soft abstract art: a gradient sky, a sun and rolling hills, different for every seed. */
export function svgArt(seed: number, size = 512): string {
  const random = seededRandom(seed);
  const [sky, glow, accent] = PALETTES[seed % PALETTES.length];
  const sunX = Math.round(size * (0.2 + random() * 0.6));
  const sunY = Math.round(size * (0.2 + random() * 0.25));
  const hills = [0, 1, 2]
    .map((layer) => {
      const base = size * (0.55 + layer * 0.13);
      const peak = size * (0.08 + random() * 0.12);
      const shift = random() * size;
      const d = `M0 ${size} L0 ${base} Q ${shift} ${base - peak} ${size / 2} ${base} T ${size} ${base - peak / 2} L ${size} ${size} Z`;
      return `<path d="${d}" fill="${accent}" opacity="${0.35 + layer * 0.25}"/>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">` +
    `<defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky}"/>` +
    `<stop offset="1" stop-color="${glow}"/></linearGradient></defs>` +
    `<rect width="${size}" height="${size}" fill="url(#s)"/>` +
    `<circle cx="${sunX}" cy="${sunY}" r="${Math.round(size * 0.09)}" fill="#fff8e1" opacity="0.9"/>` +
    hills +
    `</svg>`
  );
}

/** A 96×96 PNG: a diagonal two-colour gradient with a soft ring. */
export function pngArt(seed: number): Uint8Array {
  const random = seededRandom(seed);
  const a: Rgb = [40 + random() * 80, 60 + random() * 120, 150 + random() * 100].map(Math.round) as Rgb;
  const b: Rgb = [200 + random() * 55, 90 + random() * 100, 60 + random() * 60].map(Math.round) as Rgb;
  const size = 96;
  return pngBytes(size, size, (x, y) => {
    const t = (x + y) / (2 * size);
    const ring = Math.abs(Math.hypot(x - size / 2, y - size / 2) - size / 4) < 3 ? 0.35 : 0;
    return a.map((v, i) => Math.round(v + (b[i] - v) * t + (255 - v) * ring)) as Rgb;
  });
}
