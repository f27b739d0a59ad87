import type { Ijk, Xyz } from '../axis_order.js';
import { Image } from '../image.js';
import { SeededRandom } from '../seeded_random.js';
import { DeformedEllipsoid } from './deformed_ellipsoid.js';
import { gaussianBlur } from './gaussian_blur.js';
import { phantomClasses } from './phantom_classes.js';

export interface AbdominalPhantomOptions {
  seed: number;
  /** Voxels along x, y, z; default 128 × 128 × 96. */
  size?: Readonly<Ijk>;
  /** Millimetres per voxel; default spreads the size over a 370 × 370 × 240 mm field of view. */
  spacing?: Readonly<Ijk>;
  /** Portal-venous contrast (aorta 150–200 HU, enhanced organs) instead of native CT; default drawn from the seed. */
  contrast?: boolean;
}

export interface AbdominalPhantom {
  /** CT in Hounsfield units, int16. */
  image: Image;
  /** uint8 label map, ids of `phantomClasses`. */
  label: Image;
  contrast: boolean;
}

const FIELD_OF_VIEW: Xyz = [370, 370, 240];
const ANGLE_BINS = 720;

/** Millimetres per voxel of a phantom of `size` voxels when no spacing is given: the field of view spread over it. */
export function phantomSpacing(size: Readonly<Ijk>): Xyz {
  return [FIELD_OF_VIEW[0] / size[0], FIELD_OF_VIEW[1] / size[1], FIELD_OF_VIEW[2] / size[2]];
}

/**
 * A labelled abdominal CT-like volume, the same for the same options. World
 * coordinates are RAS+ mm with the body centred on the origin: +x toward the
 * patient's right (liver), +y anterior, +z superior.
 *
 * Anatomy: a deformed elliptic body with a flattened back; subcutaneous fat,
 * an abdominal muscle wall and paraspinal muscles; visceral fat and bowel
 * (with some gas) filling the cavity; liver (right lobe + left lobe), spleen,
 * kidneys (cortex, medulla, fatty hilum), stomach (wall, fluid, air toward the
 * anterior, non-dependent side), aorta and inferior vena cava, and a spine of
 * vertebrae (cortical shell, cancellous body, posterior arch, spinous and
 * transverse processes) separated by discs. Each draw varies body size, fat,
 * organ sizes, positions, rotations and surface shape, contrast phase, noise
 * level and blur. The image is blurred (partial volume) and carries Gaussian
 * noise; labels are the exact (unblurred) shapes.
 */
export function generateAbdominalPhantom(options: AbdominalPhantomOptions): AbdominalPhantom {
  const random = new SeededRandom(options.seed);
  const [nx, ny, nz] = options.size ?? [128, 128, 96];
  const spacing = options.spacing ?? phantomSpacing([nx, ny, nz]);
  // Drawn even when given, so that a seed's anatomy does not depend on the phase asked for.
  const drawnContrast = random.next() < 0.5;
  const contrast = options.contrast ?? drawnContrast;
  const anatomy = drawAnatomy(random, contrast);

  const hu = new Float32Array(nx * ny * nz);
  const labels = new Uint8Array(nx * ny * nz);
  const origin = [0, 1, 2].map((a) => (-([nx, ny, nz][a] - 1) / 2) * spacing[a]);
  // Every slice shares the in-plane grid: angle bin and distance from the body axis per (i, j).
  const angleBin = new Uint16Array(nx * ny);
  const axisDistance = new Float64Array(nx * ny);
  for (let j = 0, p = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++, p++) {
      const x = origin[0] + i * spacing[0];
      const y = origin[1] + j * spacing[1];
      angleBin[p] = Math.min(ANGLE_BINS - 1, Math.floor(((Math.atan2(y, x) + Math.PI) / (2 * Math.PI)) * ANGLE_BINS));
      axisDistance[p] = Math.hypot(x, y);
    }
  }
  const skin = new Float64Array(ANGLE_BINS);
  const fat = new Float64Array(ANGLE_BINS);
  const tissue: Tissue = { hu: 0, label: 0 };
  const scratch: Xyz = [0, 0, 0];
  let offset = 0;
  for (let k = 0; k < nz; k++) {
    const z = origin[2] + k * spacing[2];
    anatomy.body.fillSlice(z, skin, fat);
    for (let j = 0, p = 0; j < ny; j++) {
      const y = origin[1] + j * spacing[1];
      for (let i = 0; i < nx; i++, p++, offset++) {
        const bin = angleBin[p];
        const depth = Math.min(skin[bin] - axisDistance[p], y + anatomy.body.backDepth);
        if (depth <= 0) {
          hu[offset] = -1000;
          continue;
        }
        classify(anatomy, origin[0] + i * spacing[0], y, z, depth, fat[bin], tissue, scratch);
        hu[offset] = tissue.hu;
        labels[offset] = tissue.label;
      }
    }
  }

  const blurSigma = random.uniform(0.5, 0.8);
  const blurred = gaussianBlur(hu, [nz, ny, nx], [blurSigma, blurSigma, blurSigma * 0.8]);
  const noiseSigma = random.uniform(6, 18);
  const image = new Int16Array(blurred.length);
  for (let v = 0; v < blurred.length; v++) {
    const value = Math.round(blurred[v] + noiseSigma * random.normal());
    image[v] = value < -1024 ? -1024 : value > 3071 ? 3071 : value;
  }

  const affine = Float64Array.of(
    spacing[0], 0, 0, origin[0],
    0, spacing[1], 0, origin[1],
    0, 0, spacing[2], origin[2],
    0, 0, 0, 1,
  );
  return {
    image: new Image({ data: image, shape: [nz, ny, nx], affine }),
    label: new Image({ data: labels, shape: [nz, ny, nx], affine }),
    contrast,
  };
}

interface Tissue {
  hu: number;
  label: number;
}

/** Mean HU of each tissue for one phase. */
interface Densities {
  fat: number;
  muscle: number;
  bowel: number;
  liver: number;
  spleen: number;
  kidneyCortex: number;
  kidneyMedulla: number;
  stomachWall: number;
  blood: number;
  aorta: number;
  cancellousBone: number;
  corticalBone: number;
}

function drawDensities(random: SeededRandom, contrast: boolean): Densities {
  const common = {
    fat: random.uniform(-110, -90),
    muscle: random.uniform(45, 55),
    cancellousBone: random.uniform(300, 450),
    corticalBone: random.uniform(800, 1000),
  };
  return contrast
    ? {
        ...common,
        bowel: random.uniform(35, 55),
        liver: random.uniform(100, 120),
        spleen: random.uniform(110, 130),
        kidneyCortex: random.uniform(150, 180),
        kidneyMedulla: random.uniform(90, 110),
        stomachWall: random.uniform(70, 90),
        blood: random.uniform(120, 140),
        aorta: random.uniform(150, 200),
      }
    : {
        ...common,
        bowel: random.uniform(25, 40),
        liver: random.uniform(55, 65),
        spleen: random.uniform(45, 52),
        kidneyCortex: random.uniform(35, 40),
        kidneyMedulla: random.uniform(28, 32),
        stomachWall: random.uniform(40, 48),
        blood: random.uniform(35, 45),
        aorta: random.uniform(35, 45),
      };
}

/** Body outline: an ellipse with a few harmonic bumps, slowly varying along z, cut flat at the back. */
class BodyOutline {
  readonly backDepth: number;
  private readonly halfWidth: number;
  private readonly halfDepth: number;
  private readonly harmonics: { order: number; amplitude: number; phase: number }[];
  private readonly zWave: { amplitude: number; phase: number };
  private readonly fatThickness: number;
  private readonly fatAnteriorExtra: number;

  constructor(random: SeededRandom) {
    this.halfWidth = random.uniform(135, 165);
    this.halfDepth = random.uniform(95, 120);
    this.backDepth = this.halfDepth * random.uniform(0.82, 0.9);
    this.harmonics = [2, 3, 4].map((order) => ({ order, amplitude: random.uniform(0, 0.035), phase: random.uniform(0, 2 * Math.PI) }));
    this.zWave = { amplitude: random.uniform(0.02, 0.06), phase: random.uniform(0, 2 * Math.PI) };
    this.fatThickness = random.uniform(8, 25);
    this.fatAnteriorExtra = random.uniform(0, 15);
  }

  /** Skin distance from the body axis, and subcutaneous fat thickness, for each angle bin of slice z. */
  fillSlice(z: number, skin: Float64Array, fat: Float64Array): void {
    const scale = 1 + this.zWave.amplitude * Math.sin(z / 90 + this.zWave.phase);
    const a = this.halfWidth * scale;
    const b = this.halfDepth * scale;
    for (let bin = 0; bin < skin.length; bin++) {
      const angle = ((bin + 0.5) / skin.length) * 2 * Math.PI - Math.PI;
      let bump = 1;
      for (const h of this.harmonics) bump += h.amplitude * Math.cos(h.order * angle + h.phase);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      skin[bin] = bump / Math.sqrt((c / a) ** 2 + (s / b) ** 2);
      fat[bin] = this.fatThickness + this.fatAnteriorExtra * Math.max(0, s);
    }
  }
}

interface Spine {
  /** Vertebral body centre y at z = 0, and sagittal curve. */
  bodyY: number;
  curveAmplitude: number;
  curvePhase: number;
  bodyRadius: number;
  period: number;
  discFraction: number;
  zPhase: number;
}

interface Anatomy {
  densities: Densities;
  body: BodyOutline;
  muscleThickness: number;
  liverRight: DeformedEllipsoid;
  liverLeft: DeformedEllipsoid;
  spleen: DeformedEllipsoid;
  kidneys: { shape: DeformedEllipsoid; label: number; medialSign: number }[];
  stomach: DeformedEllipsoid;
  stomachAirY: number;
  paraspinal: DeformedEllipsoid[];
  spine: Spine;
  aorta: { x: number; y: number; radius: number; slope: number };
  venaCava: { x: number; y: number; radius: number };
  bowelWaves: { k: Xyz; phase: number }[];
}

function drawAnatomy(random: SeededRandom, contrast: boolean): Anatomy {
  const densities = drawDensities(random, contrast);
  const body = new BodyOutline(random);
  const u = (low: number, high: number) => random.uniform(low, high);
  const jitter = (v: Xyz, amount: number): Xyz => [v[0] + u(-amount, amount), v[1] + u(-amount, amount), v[2] + u(-amount, amount)];
  const scaled = (v: Xyz, low: number, high: number): Xyz => {
    const s = u(low, high);
    return [v[0] * s * u(0.92, 1.08), v[1] * s * u(0.92, 1.08), v[2] * s * u(0.92, 1.08)];
  };
  const degrees = Math.PI / 180;

  const spineBodyRadius = u(15, 19);
  const spine: Spine = {
    // The vertebral body sits 70–85 mm in front of the skin of the back.
    bodyY: -body.backDepth + u(70, 85),
    curveAmplitude: u(3, 8),
    curvePhase: u(0, 2 * Math.PI),
    bodyRadius: spineBodyRadius,
    period: u(28, 34),
    discFraction: u(0.18, 0.26),
    zPhase: u(0, 1),
  };
  const aortaRadius = u(9, 13);
  const stomachCenter = jitter([-45, 35, 60], 8);
  const stomachAxes = scaled([45, 35, 50], 0.85, 1.15);
  return {
    densities,
    body,
    muscleThickness: u(8, 14),
    liverRight: new DeformedEllipsoid(jitter([72, 5, 50], 8), scaled([75, 85, 68], 0.9, 1.1), u(-10, 10) * degrees, u(-10, 10) * degrees, 0.12, random),
    liverLeft: new DeformedEllipsoid(jitter([5, 45, 68], 8), scaled([55, 35, 40], 0.85, 1.15), u(-15, 15) * degrees, u(-10, 10) * degrees, 0.15, random),
    spleen: new DeformedEllipsoid(jitter([-85, spine.bodyY + 10, 50], 8), scaled([28, 50, 48], 0.85, 1.15), u(-40, -20) * degrees, u(-10, 10) * degrees, 0.12, random),
    kidneys: [
      { shape: new DeformedEllipsoid(jitter([70, spine.bodyY - 5, -20], 6), scaled([28, 30, 55], 0.9, 1.1), u(-30, -15) * degrees, u(-12, 12) * degrees, 0.08, random), label: phantomClasses.right_kidney, medialSign: -1 },
      { shape: new DeformedEllipsoid(jitter([-70, spine.bodyY - 2, -5], 6), scaled([28, 30, 55], 0.9, 1.1), u(15, 30) * degrees, u(-12, 12) * degrees, 0.08, random), label: phantomClasses.left_kidney, medialSign: 1 },
    ],
    stomach: new DeformedEllipsoid(stomachCenter, stomachAxes, u(-35, 5) * degrees, u(-15, 15) * degrees, 0.15, random),
    stomachAirY: stomachCenter[1] + stomachAxes[1] * u(0.2, 0.6),
    paraspinal: [1, -1].map(
      (side) => new DeformedEllipsoid([side * u(20, 26), spine.bodyY - spineBodyRadius - u(22, 28), 0], [u(20, 26), u(20, 26), 400], 0, 0, 0.08, random),
    ),
    spine,
    aorta: { x: -u(8, 20), y: spine.bodyY + spineBodyRadius + aortaRadius + u(1, 4), radius: aortaRadius, slope: u(-0.05, 0.05) },
    venaCava: { x: u(18, 28), y: spine.bodyY + spineBodyRadius + u(8, 14), radius: u(8, 11) },
    bowelWaves: Array.from({ length: 5 }, () => ({
      k: [u(-1, 1), u(-1, 1), u(-1, 1)].map((c) => (c * 2 * Math.PI) / 45) as Xyz,
      phase: u(0, 2 * Math.PI),
    })),
  };
}

/** Sets `out` to the tissue at a point inside the body (depth > 0 mm below the skin). */
function classify(anatomy: Anatomy, x: number, y: number, z: number, depth: number, fat: number, out: Tissue, scratch: Xyz): void {
  const d = anatomy.densities;
  const wall = fat + anatomy.muscleThickness;
  out.label = 0;
  if (depth < fat) out.hu = d.fat;
  else if (depth < wall) out.hu = d.muscle;
  else if (!organ(anatomy, x, y, z, out, scratch)) out.hu = cavity(anatomy, x, y, z);
  if (depth < fat) return;
  for (const muscle of anatomy.paraspinal) {
    if (muscle.level(x, y, z, scratch) < 1) {
      out.hu = d.muscle;
      out.label = 0;
    }
  }
  spine(anatomy, x, y, z, out);
}

/** HU of the cavity filling: visceral fat, bowel and a little bowel gas, mixed by a smooth random field. */
function cavity(anatomy: Anatomy, x: number, y: number, z: number): number {
  let field = 0;
  for (const wave of anatomy.bowelWaves) field += Math.sin(wave.k[0] * x + wave.k[1] * y + wave.k[2] * z + wave.phase);
  field /= anatomy.bowelWaves.length;
  if (field > 0.55) return -900;
  return field > -0.1 ? anatomy.densities.bowel : anatomy.densities.fat + 20;
}

function set(out: Tissue, hu: number, label: number): true {
  out.hu = hu;
  out.label = label;
  return true;
}

/** Sets `out` and returns true when the point is in an organ or vessel. */
function organ(anatomy: Anatomy, x: number, y: number, z: number, out: Tissue, scratch: Xyz): boolean {
  const d = anatomy.densities;
  const { aorta, venaCava } = anatomy;
  const aortaX = aorta.x + aorta.slope * z;
  if ((x - aortaX) ** 2 + (y - aorta.y) ** 2 < aorta.radius ** 2) return set(out, d.aorta, phantomClasses.aorta);
  if ((x - venaCava.x) ** 2 + (y - venaCava.y) ** 2 < venaCava.radius ** 2) return set(out, d.blood, 0);

  for (const kidney of anatomy.kidneys) {
    const level = kidney.shape.level(x, y, z, scratch);
    if (level >= 1) continue;
    const q = kidney.shape.local(x, y, z, scratch);
    if (kidney.medialSign * q[0] > 0.45 && Math.abs(q[2]) < 0.35 && Math.abs(q[1]) < 0.5) return set(out, d.fat + 20, 0);
    return set(out, level > 0.72 ? d.kidneyCortex : d.kidneyMedulla, kidney.label);
  }
  const stomach = anatomy.stomach.level(x, y, z, scratch);
  if (stomach < 1) {
    return set(out, stomach > 0.88 ? d.stomachWall : y > anatomy.stomachAirY ? -1000 : 15, phantomClasses.stomach);
  }
  if (anatomy.spleen.level(x, y, z, scratch) < 1) return set(out, d.spleen, phantomClasses.spleen);
  if (anatomy.liverRight.level(x, y, z, scratch) < 1 || anatomy.liverLeft.level(x, y, z, scratch) < 1) {
    return set(out, d.liver, phantomClasses.liver);
  }
  return false;
}

/** Sets `out` when the point is in a vertebra (body, arch, processes) or a disc. */
function spine(anatomy: Anatomy, x: number, y: number, z: number, out: Tissue): void {
  const s = anatomy.spine;
  const d = anatomy.densities;
  const r = s.bodyRadius;
  // Everything of the spine lies within 40 mm of the midline.
  if (x > 40 || x < -40) return;
  const centerY = s.bodyY + s.curveAmplitude * Math.sin(z / 150 + s.curvePhase);
  const phase = (((z / s.period + s.zPhase) % 1) + 1) % 1;
  const disc = phase < s.discFraction;
  const bone = (cortical: boolean) => set(out, cortical ? d.corticalBone : d.cancellousBone, phantomClasses.spine);

  const bodyLevel = Math.sqrt((x / (1.15 * r)) ** 2 + ((y - centerY) / r) ** 2);
  if (bodyLevel < 1) {
    if (disc) set(out, 90, 0);
    else bone(bodyLevel > 0.8);
    return;
  }
  if (disc) return;
  const canalY = centerY - r - 7;
  const canal = Math.hypot(x, y - canalY);
  const archMiddle = phase > s.discFraction + 0.1 && phase < 0.9;
  if (canal < 7) set(out, 20, 0);
  else if (canal < 12 && y < centerY - r + 3) bone(canal > 10.5);
  else if (archMiddle && Math.abs(x) < 4 && y < canalY - 10 && y > canalY - 38) bone(Math.abs(x) > 2.5);
  else if (archMiddle && Math.abs(y - canalY) < 4 && Math.abs(x) > 8 && Math.abs(x) < 36) bone(Math.abs(y - canalY) > 2.5);
}
