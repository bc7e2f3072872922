import { type Catalog, findRegion } from '../../core/catalog.js';

/**
 * Which openecs region a BCC request is about. Baidu has no region parameter: the endpoint's host
 * name (bcc.<code>.baidubce.com) is the region. A request whose Host is such an endpoint with a code
 * in this table is in the mapped region; any other Host (127.0.0.1:8080, a proxy's name, an
 * unmapped code) is in the configured default region. docs/baidu.md shows the same table.
 */
export const BAIDU_REGIONS: Readonly<Record<string, string>> = {
  bj: 'cn-beijing', // 北京 Beijing
  bd: 'cn-beijing', // 保定 Baoding, North China beside Beijing
  su: 'cn-shanghai', // 苏州 Suzhou, East China
  fsh: 'cn-shanghai', // 上海 Shanghai
  gz: 'cn-shenzhen', // 广州 Guangzhou, South China
  hkg: 'ap-southeast-1', // 香港 Hong Kong: the nearest openecs region
  sin: 'ap-southeast-1', // 新加坡 Singapore
  hz: 'cn-hangzhou', // not a Baidu region: so that every openecs region has a BCC endpoint
};

export const DEFAULT_BAIDU_REGION = 'cn-beijing';

/**
 * The default region: the configured one (OPENECS_BAIDU_REGION), which must be in the catalog;
 * unconfigured, cn-beijing, or the catalog's first region when an operator's catalog has none.
 */
export function defaultRegion(catalog: Catalog, configured: string | undefined): string {
  if (configured) {
    if (!findRegion(catalog, configured))
      throw new Error(`the Baidu default region ${configured} is not in the catalog`);
    return configured;
  }
  return findRegion(catalog, DEFAULT_BAIDU_REGION)
    ? DEFAULT_BAIDU_REGION
    : (catalog.regions[0]?.regionId ?? DEFAULT_BAIDU_REGION);
}

const ENDPOINT = /^bcc\.([a-z0-9-]+)\.baidubce\.com(?::\d+)?$/i;

export function regionForHost(host: string | undefined, defaultRegion: string): string {
  const code = host && ENDPOINT.exec(host.trim())?.[1]?.toLowerCase();
  return (code && Object.hasOwn(BAIDU_REGIONS, code) && BAIDU_REGIONS[code]) || defaultRegion;
}
