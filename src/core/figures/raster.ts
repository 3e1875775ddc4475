// Raster outputs of the figures: PNG and TIFF at a chosen DPI, rendered by resvg from the SVG backend's output with the
// bundled DejaVu fonts only (the encoders are png.ts and tiff.ts).
import { Resvg } from '@resvg/resvg-js';
import { setPngDpi } from './png.js';
import type { Scene } from './scene.js';
import { POINTS_PER_INCH } from './style.js';
import { sceneToSvg } from './svg.js';
import { allFontFiles, FONT_FAMILY_NAME } from './text.js';
import { encodeTiff } from './tiff.js';

/** Pixel size of a scene at `dpi`. */
export function pixelWidth(scene: Scene, dpi: number): number {
  return Math.round((scene.width / POINTS_PER_INCH) * dpi);
}

function renderScene(scene: Scene, dpi: number): ReturnType<Resvg['render']> {
  if (!(dpi > 0)) throw new Error(`dpi must be positive, got ${dpi}`);
  const resvg = new Resvg(sceneToSvg(scene, { pixelated: 'attribute' }), {
    fitTo: { mode: 'width', value: pixelWidth(scene, dpi) },
    font: {
      fontFiles: allFontFiles(),
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY_NAME[scene.fontFamily],
      sansSerifFamily: FONT_FAMILY_NAME.sans,
      serifFamily: FONT_FAMILY_NAME.serif,
    },
    shapeRendering: 2,
    textRendering: 2,
    logLevel: 'off',
  });
  return resvg.render();
}

/** The scene as a PNG `round(width / 72 * dpi)` pixels wide that declares its DPI. */
export function sceneToPng(scene: Scene, dpi: number): Buffer {
  return setPngDpi(renderScene(scene, dpi).asPng(), dpi);
}

/** The scene as a TIFF `round(width / 72 * dpi)` pixels wide with X/YResolution = dpi per inch. */
export function sceneToTiff(scene: Scene, dpi: number): Buffer {
  const image = renderScene(scene, dpi);
  return encodeTiff(image.pixels, image.width, image.height, dpi, true);
}
