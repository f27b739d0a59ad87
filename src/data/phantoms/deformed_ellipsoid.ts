import type { Xyz } from '../axis_order.js';
import type { SeededRandom } from '../seeded_random.js';

/**
 * An ellipsoid (world mm) rotated about z then tilted about x, whose surface
 * is pushed in and out by a few random low-frequency waves — a smooth,
 * organ-like blob that differs with every random draw.
 */
export class DeformedEllipsoid {
  readonly min: Xyz;
  readonly max: Xyz;
  private readonly center: Xyz;
  private readonly inverseAxes: Xyz;
  /** Row-major world→local rotation. */
  private readonly rotation: Float64Array;
  private readonly waves: { k: Xyz; phase: number; amplitude: number }[];

  constructor(center: Xyz, semiAxes: Xyz, yawRadians: number, tiltRadians: number, roughness: number, random: SeededRandom) {
    this.center = center;
    this.inverseAxes = [1 / semiAxes[0], 1 / semiAxes[1], 1 / semiAxes[2]];
    const [cy, sy, ct, st] = [Math.cos(yawRadians), Math.sin(yawRadians), Math.cos(tiltRadians), Math.sin(tiltRadians)];
    // local = Rx(-tilt) · Rz(-yaw) · (p - centre)
    this.rotation = Float64Array.of(cy, sy, 0, -sy * ct, cy * ct, st, sy * st, -cy * st, ct);
    this.waves = Array.from({ length: 3 }, () => {
      const frequency = random.uniform(1.2, 2.6);
      const theta = random.uniform(0, 2 * Math.PI);
      const cosPhi = random.uniform(-1, 1);
      const sinPhi = Math.sqrt(1 - cosPhi * cosPhi);
      return {
        k: [frequency * sinPhi * Math.cos(theta), frequency * sinPhi * Math.sin(theta), frequency * cosPhi] as Xyz,
        phase: random.uniform(0, 2 * Math.PI),
        amplitude: (roughness / 3) * random.uniform(0.5, 1),
      };
    });
    // Half-extent along world axis w of the rotated ellipsoid: |row w of (local→world) · diag(semi-axes)|.
    const r = this.rotation;
    const reach = [0, 1, 2].map(
      (w) => Math.hypot(r[w] * semiAxes[0], r[3 + w] * semiAxes[1], r[6 + w] * semiAxes[2]) * (1 + roughness),
    );
    this.min = [center[0] - reach[0], center[1] - reach[1], center[2] - reach[2]];
    this.max = [center[0] + reach[0], center[1] + reach[1], center[2] + reach[2]];
  }

  /** Normalised local coordinates of a world point (unit sphere = undeformed surface). */
  local(x: number, y: number, z: number, out: Xyz): Xyz {
    const dx = x - this.center[0];
    const dy = y - this.center[1];
    const dz = z - this.center[2];
    const r = this.rotation;
    out[0] = (r[0] * dx + r[1] * dy + r[2] * dz) * this.inverseAxes[0];
    out[1] = (r[3] * dx + r[4] * dy + r[5] * dz) * this.inverseAxes[1];
    out[2] = (r[6] * dx + r[7] * dy + r[8] * dz) * this.inverseAxes[2];
    return out;
  }

  /** < 1 inside, 1 on the deformed surface, growing outward; Infinity outside the bounding box. */
  level(x: number, y: number, z: number, scratch: Xyz): number {
    if (x < this.min[0] || x > this.max[0] || y < this.min[1] || y > this.max[1] || z < this.min[2] || z > this.max[2]) {
      return Infinity;
    }
    const q = this.local(x, y, z, scratch);
    let deformation = 0;
    for (const wave of this.waves) {
      deformation += wave.amplitude * Math.sin(wave.k[0] * q[0] + wave.k[1] * q[1] + wave.k[2] * q[2] + wave.phase);
    }
    return Math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]) / (1 + deformation);
  }
}
