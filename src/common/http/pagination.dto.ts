import { Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 200;

/** `?page=&limit=` for list routes: 1-based page, page size 1..200 (default 25). Extend it for route-specific filters. */
export class PaginationQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1, description: 'Page number, starting at 1' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, description: 'Items per page' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  /** Rows to skip for this page. */
  get offset(): number {
    return (this.page - 1) * this.limit;
  }
}

/** The shape of every paged answer. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

/**
 * A Swagger-visible page of `item`: `export class UserPageDto extends PagedResponseDto(UserDto) {}`.
 * (A named subclass per item type gives each page its own schema in the OpenAPI document.)
 */
export function PagedResponseDto<T>(item: ClassType<T>) {
  abstract class PagedResponse implements Page<T> {
    @ApiProperty({ type: item, isArray: true })
    items: T[];

    @ApiProperty({ type: 'integer', example: 1, description: 'Items matching the query, over all pages' })
    total: number;

    @ApiProperty({ type: 'integer', example: 1 })
    page: number;

    @ApiProperty({ type: 'integer', example: DEFAULT_PAGE_SIZE })
    limit: number;
  }
  return PagedResponse;
}

/** Builds a page answer from the rows of one page and the total count. */
export function toPage<T>(items: T[], total: number, query: Pick<PaginationQueryDto, 'page' | 'limit'>): Page<T> {
  return { items, total, page: query.page, limit: query.limit };
}
