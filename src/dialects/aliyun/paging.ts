import { p } from './params.js';

/** PageNumber/PageSize as most Describe operations take them. */
export const pageParams = {
  PageNumber: p.integer({ min: 1, max: 100_000 }),
  PageSize: p.integer({ min: 1, max: 100 }),
};

export function page<T>(items: T[], pageNumber = 1, pageSize = 10) {
  return {
    items: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    fields: { PageNumber: pageNumber, PageSize: pageSize, TotalCount: items.length },
  };
}
