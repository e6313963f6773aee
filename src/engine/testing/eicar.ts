/**
 * The EICAR anti-malware test file (68 bytes), assembled at run time so that no file of the project
 * holds the string whole (on-access scanners would flag the source tree).
 */
export function eicar(): Uint8Array {
  return new Uint8Array(Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS', '-TEST-FILE!$H+H*'].join(''), 'latin1'));
}

export const EICAR_SHA256 = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f';
