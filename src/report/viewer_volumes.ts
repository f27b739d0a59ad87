// The volumes behind the report's NiiVue viewers. Browsers refuse fetch() of
// local files from a file:// page, so small volumes are embedded in the page
// as base64 (gzipped NIfTI); larger ones are loaded by relative URL, which
// works once `smit serve` serves the folder. Volumes outside the report's
// folder (the scan, a reference) are then copied into report_assets/, as the
// server serves only that folder.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { relativeUrl } from './html.js';

export const ASSETS_FOLDER = 'report_assets';
export const NIIVUE_ASSET = 'niivue.umd.js';

export type VolumeRole = 'scan' | 'prediction' | 'reference';

export interface VolumeSource {
  role: VolumeRole;
  /** A .nii/.nii.gz file or a DICOM series folder. */
  path: string;
}

export interface PageVolume {
  role: VolumeRole;
  /** With a NIfTI ending, as NiiVue tells formats by name. */
  name: string;
  url?: string;
  base64?: string;
}

const GZ_NIFTI = /\.nii\.gz$/i;
const NIFTI = /\.nii$/i;

/** The volume as gzipped NIfTI bytes; DICOM series are converted. */
async function gzippedNifti(path: string): Promise<Buffer> {
  if (GZ_NIFTI.test(path)) return readFileSync(path);
  if (NIFTI.test(path)) return gzipSync(readFileSync(path), { level: 6 });
  if (statSync(path).isDirectory()) {
    const { loadImage } = await import('../data/io/load_image.js');
    const { encodeNifti } = await import('../data/io/nifti_writer.js');
    return gzipSync(encodeNifti(await loadImage(path)), { level: 6 });
  }
  throw new Error(`${path}: the viewer shows .nii or .nii.gz files and DICOM series folders`);
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** Hands out the page's volumes: embedded while the budget lasts, else by URL. */
export class ViewerVolumes {
  #embedBudget: number;
  #assetsCleared = false;

  constructor(
    readonly root: string,
    embedLimitBytes: number,
  ) {
    this.#embedBudget = embedLimitBytes;
  }

  get assetsDir(): string {
    return join(this.root, ASSETS_FOLDER);
  }

  /** Clears what an earlier report put in report_assets/ (only its own kinds of files), once. */
  #prepareAssets(): void {
    if (this.#assetsCleared) return;
    this.#assetsCleared = true;
    mkdirSync(this.assetsDir, { recursive: true });
    for (const name of readdirSync(this.assetsDir)) {
      if (name === NIIVUE_ASSET || GZ_NIFTI.test(name)) rmSync(join(this.assetsDir, name), { force: true });
    }
  }

  /**
   * One viewer's volumes. `key` names its copies in report_assets/. All of
   * them are embedded or none, so a viewer never half-works from disk.
   */
  async volumes(key: string, sources: readonly VolumeSource[]): Promise<{ volumes: PageVolume[]; embedded: boolean; bytes: number }> {
    const converted = new Map<VolumeSource, Buffer>();
    let bytes = 0;
    for (const source of sources) {
      if (GZ_NIFTI.test(source.path)) bytes += statSync(source.path).size;
      else {
        const gz = await gzippedNifti(source.path);
        converted.set(source, gz);
        bytes += gz.length;
      }
    }
    const name = (role: VolumeRole) => `${key}_${role}.nii.gz`;
    if (bytes <= this.#embedBudget) {
      this.#embedBudget -= bytes;
      const volumes: PageVolume[] = [];
      for (const source of sources) {
        const gz = converted.get(source) ?? (await gzippedNifti(source.path));
        volumes.push({ role: source.role, name: name(source.role), base64: gz.toString('base64') });
      }
      return { volumes, embedded: true, bytes };
    }
    const volumes: PageVolume[] = [];
    for (const source of sources) {
      const absolute = resolve(source.path);
      if (GZ_NIFTI.test(absolute) && isInside(this.root, absolute)) {
        volumes.push({ role: source.role, name: name(source.role), url: relativeUrl(relative(this.root, absolute)) });
        continue;
      }
      this.#prepareAssets();
      const target = join(this.assetsDir, name(source.role));
      const gz = converted.get(source);
      if (gz) writeFileSync(target, gz);
      else copyFileSync(absolute, target, constants.COPYFILE_FICLONE);
      volumes.push({ role: source.role, name: name(source.role), url: relativeUrl(relative(this.root, target)) });
    }
    return { volumes, embedded: false, bytes };
  }

  /** Copies NiiVue's browser build next to the report; returns its URL relative to the report. */
  writeNiivue(): string {
    this.#prepareAssets();
    copyFileSync(niivueBrowserBuild(), join(this.assetsDir, NIIVUE_ASSET));
    return `${ASSETS_FOLDER}/${NIIVUE_ASSET}`;
  }
}

/**
 * NiiVue's self-contained UMD build (global `niivue`). Not its ES module:
 * Chromium refuses `<script type="module">` from file:// pages (CORS, origin
 * null), while a classic script loads from disk.
 */
export function niivueBrowserBuild(): string {
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve('@niivue/niivue'));
  } catch (error) {
    throw new Error(`the report's viewer needs the npm package @niivue/niivue (npm install): ${(error as Error).message}`);
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name !== '@niivue/niivue') continue;
    const build = join(dir, 'dist', NIIVUE_ASSET);
    if (!existsSync(build)) throw new Error(`${build}: missing from @niivue/niivue (its browser build); reinstall the package`);
    return build;
  }
  throw new Error(`@niivue/niivue: no package.json found above ${entry}`);
}
