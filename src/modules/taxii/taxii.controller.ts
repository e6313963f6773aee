import { Controller, Get, Param, ParseUUIDPipe, Query, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiNotAcceptableResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../../common/access/access.decorator';
import { CurrentPrincipal } from '../../common/access/current-principal.decorator';
import type { Principal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { RequestBaseUrl } from '../feeds/request-base-url.decorator';
import { LicenseFeature, RequiresFeature } from '../license/requires-feature.decorator';
import {
  TaxiiApiRootDto,
  TaxiiCollectionDto,
  TaxiiCollectionsDto,
  TaxiiDiscoveryDto,
  TaxiiEnvelopeDto,
  TaxiiManifestDto,
  TaxiiObjectsQueryDto,
  TaxiiPageQueryDto,
} from './dtos/taxii.dto';
import { TaxiiMediaTypeInterceptor } from './taxii-media-type.interceptor';
import { TAXII_MEDIA_TYPE, TaxiiService } from './taxii.service';

const collectionId = ApiParam({ name: 'id', format: 'uuid', description: 'Collection id (from GET /taxii2/api/collections/)' });
const noCollection = ApiNotFoundResponse({ description: 'No such collection', type: ErrorResponseDto });
const badQuery = ApiUnprocessableEntityResponse({ description: 'A filter or `next` is malformed', type: ErrorResponseDto });

/** TAXII 2.1 (OASIS), read-only: collections of the STIX objects the sandbox produces. POST is not routed (404). */
@ApiTags('TAXII')
@Controller('taxii2')
@Access.authenticated()
@RequiresFeature(LicenseFeature.Feeds)
@UseInterceptors(TaxiiMediaTypeInterceptor)
@ApiProduces(TAXII_MEDIA_TYPE, 'application/json')
@ApiNotAcceptableResponse({ description: `The Accept header allows neither ${TAXII_MEDIA_TYPE} nor application/json`, type: ErrorResponseDto })
export class TaxiiController {
  constructor(private readonly taxii: TaxiiService) {}

  @Get('/')
  @ApiOperation({ summary: 'TAXII discovery', description: 'The TAXII server and its API roots.' })
  @ApiOkResponse({ type: TaxiiDiscoveryDto })
  discovery(@RequestBaseUrl() baseUrl: string): TaxiiDiscoveryDto {
    return this.taxii.discovery(baseUrl);
  }

  @Get('api/')
  @ApiOperation({ summary: 'TAXII API root', description: 'The API root holding the sandbox collections.' })
  @ApiOkResponse({ type: TaxiiApiRootDto })
  apiRoot(): TaxiiApiRootDto {
    return this.taxii.apiRoot();
  }

  @Get('api/collections/')
  @ApiOperation({ summary: 'TAXII collections', description: 'The collections: public analyses (TLP:CLEAR) and the private analyses the caller may see (TLP:AMBER).' })
  @ApiOkResponse({ type: TaxiiCollectionsDto })
  collections(): TaxiiCollectionsDto {
    return this.taxii.collections();
  }

  @Get('api/collections/:id/')
  @collectionId
  @ApiOperation({ summary: 'TAXII collection', description: 'One collection.' })
  @ApiOkResponse({ type: TaxiiCollectionDto })
  @noCollection
  collection(@Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 422 })) id: string): TaxiiCollectionDto {
    return this.taxii.collection(id);
  }

  @Get('api/collections/:id/objects/')
  @collectionId
  @ApiOperation({
    summary: 'TAXII objects',
    description:
      'STIX 2.1 objects of the collection in the order they were added (analysis time, then report id), `limit` at a time. ' +
      'Follow `next` while `more` is true; X-TAXII-Date-Added-First/Last give the date_added range of the page (pass the last as `added_after` to poll for new objects).',
  })
  @ApiOkResponse({ type: TaxiiEnvelopeDto })
  @noCollection
  @badQuery
  async objects(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 422 })) id: string,
    @Query() query: TaxiiObjectsQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaxiiEnvelopeDto> {
    const page = await this.taxii.objects(principal, id, query);
    void reply.headers(page.headers);
    return page.body;
  }

  @Get('api/collections/:id/objects/:object_id/')
  @collectionId
  @ApiParam({ name: 'object_id', description: 'STIX id, e.g. report--<report id> or indicator--<uuid>' })
  @ApiOperation({
    summary: 'TAXII object',
    description:
      'Every occurrence of one object in the collection. A report object is found at once; other objects are searched a bounded part of the collection ' +
      'at a time: an answer without objects but with `more` true means "ask again with `next`".',
  })
  @ApiOkResponse({ type: TaxiiEnvelopeDto })
  @ApiNotFoundResponse({ description: 'No such collection or object', type: ErrorResponseDto })
  @badQuery
  async object(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 422 })) id: string,
    @Param('object_id') objectId: string,
    @Query() query: TaxiiPageQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaxiiEnvelopeDto> {
    const page = await this.taxii.object(principal, id, objectId, query);
    void reply.headers(page.headers);
    return page.body;
  }

  @Get('api/collections/:id/manifest/')
  @collectionId
  @ApiOperation({ summary: 'TAXII manifest', description: 'id, date_added, version and media type of the collection\'s objects, with the same filters and paging as objects.' })
  @ApiOkResponse({ type: TaxiiManifestDto })
  @noCollection
  @badQuery
  async manifest(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 422 })) id: string,
    @Query() query: TaxiiObjectsQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaxiiManifestDto> {
    const page = await this.taxii.manifest(principal, id, query);
    void reply.headers(page.headers);
    return page.body;
  }
}
