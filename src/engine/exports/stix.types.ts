/**
 * The subset of STIX 2.1 (OASIS, https://docs.oasis-open.org/cti/stix/v2.1/os/stix-v2.1-os.html)
 * the platform emits. Only the properties we set are declared; all are as the spec names them.
 */

export type StixId = `${string}--${string}`;

export interface StixExternalReference {
  source_name: string;
  external_id?: string;
  url?: string;
  description?: string;
}

export interface StixKillChainPhase {
  kill_chain_name: string;
  phase_name: string;
}

interface StixCommon {
  type: string;
  spec_version: '2.1';
  id: StixId;
}

/** Properties every SDO and SRO carries. */
interface StixDomainCommon extends StixCommon {
  created: string;
  modified: string;
  created_by_ref?: StixId;
  object_marking_refs?: StixId[];
  external_references?: StixExternalReference[];
}

export interface StixMarkingDefinition extends StixCommon {
  type: 'marking-definition';
  created: string;
  name: string;
  definition_type: 'tlp';
  definition: { tlp: 'white' | 'green' | 'amber' | 'red' };
}

export interface StixIdentity extends StixDomainCommon {
  type: 'identity';
  name: string;
  identity_class: 'system' | 'organization';
  description?: string;
  contact_information?: string;
}

export interface StixReport extends StixDomainCommon {
  type: 'report';
  name: string;
  description?: string;
  report_types: string[];
  published: string;
  object_refs: StixId[];
  confidence?: number;
}

export interface StixIndicator extends StixDomainCommon {
  type: 'indicator';
  name: string;
  description?: string;
  indicator_types: string[];
  pattern: string;
  pattern_type: 'stix';
  pattern_version: '2.1';
  valid_from: string;
}

export interface StixMalware extends StixDomainCommon {
  type: 'malware';
  name: string;
  description?: string;
  is_family: false;
  sample_refs: StixId[];
}

export interface StixAttackPattern extends StixDomainCommon {
  type: 'attack-pattern';
  name: string;
  kill_chain_phases?: StixKillChainPhase[];
}

export interface StixRelationship extends StixDomainCommon {
  type: 'relationship';
  relationship_type: 'indicates' | 'uses' | 'based-on';
  source_ref: StixId;
  target_ref: StixId;
}

/** Cyber-observable objects (SCOs): no created/modified; ids derive from their contents. */
interface StixObservableCommon extends StixCommon {
  object_marking_refs?: StixId[];
}

export interface StixFile extends StixObservableCommon {
  type: 'file';
  hashes?: Record<string, string>;
  name?: string;
  size?: number;
  mime_type?: string;
  contains_refs?: StixId[];
}

export interface StixValueObservable extends StixObservableCommon {
  type: 'url' | 'domain-name' | 'ipv4-addr' | 'ipv6-addr' | 'email-addr';
  value: string;
}

export type StixObservable = StixFile | StixValueObservable;

export type StixObject =
  | StixMarkingDefinition
  | StixIdentity
  | StixReport
  | StixIndicator
  | StixMalware
  | StixAttackPattern
  | StixRelationship
  | StixObservable;

export interface StixBundle {
  type: 'bundle';
  id: StixId;
  objects: StixObject[];
}
