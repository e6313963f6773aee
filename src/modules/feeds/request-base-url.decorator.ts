import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Host names and ports only: a Host header carrying anything else gives relative links instead. */
const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * `scheme://host` of the request, for absolute links in feeds when FEED_BASE_URL is not set (the
 * scheme and host follow X-Forwarded-* only with TRUST_PROXY). '' when the Host header is unusable.
 */
export const RequestBaseUrl = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest>();
  const host = request.host;
  const protocol = request.protocol === 'https' ? 'https' : 'http';
  return typeof host === 'string' && SAFE_HOST.test(host) ? `${protocol}://${host}` : '';
});
