import { readFileSync } from 'node:fs';
import { BUILT_IN_CATALOG, type Catalog } from '../core/catalog.js';

/**
 * A catalog file replaces any of the built-in lists it names (regions, images, instanceTypes) and
 * keeps the others. See docs/configuration.md for the format.
 */
export function loadCatalog(file: string): Catalog {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read catalog file ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`catalog file ${file} must hold a JSON object`);
  const given = parsed as Partial<Catalog>;
  const catalog: Catalog = {
    regions: given.regions ?? BUILT_IN_CATALOG.regions,
    images: given.images ?? BUILT_IN_CATALOG.images,
    instanceTypes: given.instanceTypes ?? BUILT_IN_CATALOG.instanceTypes,
  };
  for (const [name, list] of Object.entries(catalog)) {
    if (!Array.isArray(list) || list.length === 0)
      throw new Error(`catalog file ${file}: "${name}" must be a non-empty array`);
  }
  for (const region of catalog.regions) {
    if (
      typeof region.regionId !== 'string' ||
      !/^[a-z]{2}$|^[a-z0-9]{2}$/.test(region.idFlavour ?? '') ||
      !Array.isArray(region.zones) ||
      region.zones.length === 0
    ) {
      throw new Error(
        `catalog file ${file}: region ${JSON.stringify(region.regionId)} needs regionId, a two-character idFlavour, defaultVpcCidr and zones`,
      );
    }
  }
  return catalog;
}
