import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ACCESS_RULE, AccessRule } from '../../src/common/access/access.decorator';
import { AUDITED } from '../../src/modules/audit/audited.decorator';

export interface RouteDeclaration {
  route: string;
  method: string;
  path: string;
  access: AccessRule | undefined;
  audited: string | undefined;
}

const join = (...parts: string[]) => '/' + parts.flatMap((p) => p.split('/')).filter(Boolean).join('/');

/** Every route the application registered, with its access declaration and audit action. */
export function routeInventory(app: NestFastifyApplication): RouteDeclaration[] {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const reflector = app.get(Reflector);
  const routes: RouteDeclaration[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
    if (!controller) continue;
    const base: string | string[] = Reflect.getMetadata(PATH_METADATA, controller) ?? '';
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name] as () => unknown;
      const paths: string | string[] | undefined = Reflect.getMetadata(PATH_METADATA, handler);
      if (paths === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      for (const b of [base].flat()) {
        for (const p of [paths].flat()) {
          const path = join(b, p);
          routes.push({
            route: `${method} ${path}`,
            method,
            path,
            access: reflector.getAllAndOverride(ACCESS_RULE, [handler, controller]),
            audited: reflector.get(AUDITED, handler),
          });
        }
      }
    }
  }
  return routes.sort((a, b) => a.route.localeCompare(b.route));
}

/** One line per route, e.g. `GET /api/users/me -> authenticated`; the snapshot reviewers read. */
export function describeAccess(rule: AccessRule | undefined): string {
  if (!rule) return 'NONE';
  if (rule.public) return 'public';
  return rule.groups === 'any' ? 'authenticated' : `groups: ${[...rule.groups].sort().join(', ')}`;
}
