import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';

/** Features a license turns on; routes of a feature the license lacks answer 403 naming it. */
export enum LicenseFeature {
  /** SIEM feeds, archives and the TAXII server. */
  Feeds = 'feeds',
  /** `/api/threatintel/*`. */
  ThreatIntel = 'threat-intel',
  /** Mass URL scanning. */
  MassUrl = 'mass-url',
  /** Detonation in virtual machines. */
  DynamicAnalysis = 'dynamic-analysis',
}

export const REQUIRED_FEATURE = 'license:feature';

/** Marks a route (or a controller) as part of a licensed feature. The license guard enforces it. */
export const RequiresFeature = (feature: LicenseFeature) =>
  applyDecorators(
    SetMetadata(REQUIRED_FEATURE, feature),
    ApiForbiddenResponse({ description: `Requires a license with the \`${feature}\` feature (or the caller lacks the user group)`, type: ErrorResponseDto }),
  );

export const CONSUMES_USER_SEAT = 'license:user-seat';

/**
 * Marks a route that adds a user account: when the license limits users, the license guard refuses it
 * with 403 once the active users reach the limit. An invitation holds a seat until it is used or
 * expires, so for `invitation` the pending invitations count too; a `registration` uses the seat its
 * invitation held.
 */
export const ConsumesUserSeat = (kind: 'invitation' | 'registration') =>
  applyDecorators(
    SetMetadata(CONSUMES_USER_SEAT, kind),
    ApiForbiddenResponse({ description: 'The license\'s user limit is reached (or the caller lacks the user group)', type: ErrorResponseDto }),
  );
