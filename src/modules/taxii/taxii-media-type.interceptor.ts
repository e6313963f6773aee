import { CallHandler, ExecutionContext, Injectable, NestInterceptor, NotAcceptableException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { TAXII_MEDIA_TYPE } from './taxii.service';

/**
 * TAXII 2.1 content negotiation: answers are `application/taxii+json;version=2.1`; a client whose
 * Accept names neither that (any version parameter other than 2.1 excluded), `application/json`
 * nor a wildcard gets 406. No Accept header means anything is acceptable (RFC 9110).
 */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) return false;
    if (type === '*/*' || type === 'application/*' || type === 'application/json') return true;
    if (type !== 'application/taxii+json') return false;
    const version = params.find((p) => p.startsWith('version='));
    return !version || version === 'version=2.1';
  });
}

@Injectable()
export class TaxiiMediaTypeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const accept = http.getRequest<FastifyRequest>().headers.accept;
    if (!acceptsTaxii(accept)) {
      throw new NotAcceptableException(`This TAXII server answers with ${TAXII_MEDIA_TYPE} or application/json; the Accept header (${accept}) allows neither`);
    }
    void http.getResponse<FastifyReply>().header('content-type', TAXII_MEDIA_TYPE);
    // Serialised here: Fastify rewrites a JSON media type it serialises (`; version="2.1"; charset=utf-8`),
    // and TAXII clients expect the media type exactly as the specification writes it.
    return next.handle().pipe(map((body: unknown) => Buffer.from(JSON.stringify(body), 'utf8')));
  }
}
