import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { LogController } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { API_KEY_SCHEME, BEARER_SCHEME } from './common/access/access.decorator';
import { createValidationPipe } from './common/errors/validation';
import { requestContext } from './common/http/request-context';
import { PinoNestLogger } from './common/logging/logger';
import { AppConfig } from './config/app-config';
import { registerMultipart } from './modules/scan/multipart-submission';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** A caller's X-Request-Id is kept when it is sane, so its logs and ours line up; otherwise a new id. */
function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Builds the HTTP application (not yet listening). Used by main.ts, the tests and the OpenAPI writer. */
export async function createApp(config: AppConfig, logger: Logger): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // One line per request is written by the onResponse hook below, with the fields operators search on.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'correlationId' }),
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    genReqId: requestId,
    // TAXII 2.1 URLs end in '/', and Nest drops trailing slashes from route paths: match both forms.
    routerOptions: { ignoreTrailingSlash: true },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
    // A module that fails to start rejects here (main() logs it and exits) instead of Nest calling process.exit itself.
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // Multipart bodies are not parsed up front: the scan routes stream them part by part (uploads up to MAX_UPLOAD_SIZE).
  await registerMultipart(app, config.scan.maxUploadSize);

  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.header('x-request-id', req.id);
    requestContext.run({ correlationId: req.id }, done);
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    req.log[level]({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime), ip: req.ip }, 'request');
    done();
  });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  if (config.http.swagger) {
    SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
      jsonDocumentUrl: 'api/docs-json',
      customSiteTitle: 'Sandbox platform API',
      swaggerOptions: { persistAuthorization: true },
    });
  }
  return app;
}

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const options = new DocumentBuilder()
    .setTitle('Sandbox platform API')
    .setDescription(
      'Malware-analysis sandbox: MetaDefender Sandbox compatible API. Authenticate with a Bearer token from ' +
        '`POST /api/auth/login`, or with an API key in the `X-Api-Key` header (create one at `POST /api/users/api-key/create`). ' +
        'Errors share one shape (`ErrorResponseDto`); validation errors are 422.',
    )
    .setVersion(process.env.npm_package_version ?? '0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, API_KEY_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, options, {
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
}
