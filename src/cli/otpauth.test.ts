import { describe, expect, it } from 'vitest';
import { otpauthUri } from './operator.command.js';

describe('otpauthUri', () => {
  it('percent-encodes as RFC 3986 says: a space is %20, never +', () => {
    const uri = otpauthUri({ issuer: 'Domicile (domicile test)', account: 'op-night-desk', secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
    expect(uri).toBe(
      'otpauth://totp/Domicile%20(domicile%20test)%3Aop-night-desk?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Domicile%20(domicile%20test)&algorithm=SHA1&digits=6&period=30',
    );
    expect(uri).not.toContain('+');
  });
});
