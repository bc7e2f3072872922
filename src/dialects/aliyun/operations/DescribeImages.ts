import { defineOperation } from '../operation.js';
import { page, pageParams } from '../paging.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'DescribeImages',
  mutating: false,
  params: {
    RegionId: p.string({ required: true }),
    ImageId: p.string(),
    ImageName: p.string(),
    OSType: p.string({ enum: ['linux', 'windows'] }),
    ImageOwnerAlias: p.string(),
    ...pageParams,
  },
  async handle({ core }, params) {
    core.networks.region(params.RegionId);
    const ids = params.ImageId?.split(',');
    const images = core.networks.catalog.images.filter(
      (i) =>
        (!ids || ids.includes(i.imageId)) &&
        (!params.OSType || i.osType === params.OSType) &&
        (!params.ImageName || i.imageName === params.ImageName),
    );
    const { items, fields } = page(images, params.PageNumber, params.PageSize);
    return {
      RegionId: params.RegionId,
      ...fields,
      Images: {
        Image: items.map((i) => ({
          ImageId: i.imageId,
          ImageName: i.imageName,
          ImageOwnerAlias: 'system',
          OSType: i.osType,
          OSName: i.osName,
          OSNameEn: i.osNameEn,
          Platform: i.platform,
          Architecture: i.architecture,
          Size: i.sizeGiB,
          Status: 'Available',
          IsPublic: true,
          IsSupportCloudinit: i.supportsCloudInit,
          IsSupportIoOptimized: true,
          Usable: true,
          BootMode: 'BIOS',
          CreationTime: '2024-08-16T00:00:00Z',
        })),
      },
    };
  },
});
