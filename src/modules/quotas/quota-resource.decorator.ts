import { SetMetadata } from '@nestjs/common';
import { QuotaResource as Resource } from './api-quota.entity';

export const QUOTA_RESOURCES = 'quota:resources';

/** The resources a route can be marked with; `api` is consumed by every call anyway. */
export type MeteredResource = Exclude<Resource, Resource.Api>;

/**
 * Marks a route as consuming a metered resource (scan submissions, searches, downloads), so the
 * quotas on that resource apply to it, on top of the `api` quotas that apply to every call:
 *
 * ```ts
 * @QuotaResource(QuotaResource.Scan)
 * ```
 *
 * The function doubles as a namespace holding the resource names, so one import serves both.
 */
export function QuotaResource(...resources: MeteredResource[]): MethodDecorator & ClassDecorator {
  return SetMetadata(QUOTA_RESOURCES, resources);
}

// eslint-disable-next-line @typescript-eslint/no-namespace
export namespace QuotaResource {
  export const Scan = Resource.Scan;
  export const Search = Resource.Search;
  export const Download = Resource.Download;
}
