/**
 * The vendor's license-signing PUBLIC key (Ed25519, SPKI PEM). Licenses verify against it unless
 * LICENSE_PUBLIC_KEY names another key. The matching private key is not in this repository, nor on
 * any machine that runs the platform: only the vendor issues licenses (scripts/license-vendor.ts).
 */
export const VENDOR_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA4fwve92GqgpG7eRIWOmFLDgWPwXJbXWK8MsJN3ZLGA4=
-----END PUBLIC KEY-----
`;
