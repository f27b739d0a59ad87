import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNifti } from '../io/nifti_writer.js';
import { type AbdominalPhantomOptions, generateAbdominalPhantom } from './abdominal_phantom.js';
import { phantomClassNames } from './phantom_classes.js';

/** Seed of the index-th case of a dataset; distinct per (seed, index) pair in practice. */
function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed >>> 0, 2654435761) + index * 40503 + 1) >>> 0;
}

/** Case id (file name without extension) of the index-th phantom of a dataset. */
export function phantomCaseId(index: number): string {
  return `phantom_${String(index).padStart(3, '0')}`;
}

/**
 * Writes `count` phantoms in Medical Segmentation Decathlon layout:
 * imagesTr/phantom_NNN.nii.gz (int16 HU), labelsTr/phantom_NNN.nii.gz
 * (uint8) and dataset.json listing them with the class names. Returns the
 * dataset.json path.
 */
export async function writePhantomDataset(
  folder: string,
  count: number,
  seed: number,
  options: Omit<AbdominalPhantomOptions, 'seed'> = {},
): Promise<string> {
  await mkdir(join(folder, 'imagesTr'), { recursive: true });
  await mkdir(join(folder, 'labelsTr'), { recursive: true });
  const training = [];
  for (let index = 0; index < count; index++) {
    const name = `${phantomCaseId(index)}.nii.gz`;
    const { image, label } = generateAbdominalPhantom({ ...options, seed: caseSeed(seed, index) });
    await writeNifti(image, join(folder, 'imagesTr', name));
    await writeNifti(label, join(folder, 'labelsTr', name));
    training.push({ image: `./imagesTr/${name}`, label: `./labelsTr/${name}` });
  }
  const datasetJson = {
    name: 'smit-abdominal-phantom',
    description: `Synthetic abdominal CT phantoms (seed ${seed})`,
    tensorImageSize: '3D',
    modality: { '0': 'CT' },
    labels: Object.fromEntries(phantomClassNames.map((name, id) => [String(id), name])),
    numTraining: count,
    numTest: 0,
    training,
    test: [],
  };
  const jsonPath = join(folder, 'dataset.json');
  await writeFile(jsonPath, JSON.stringify(datasetJson, null, 2) + '\n');
  return jsonPath;
}
