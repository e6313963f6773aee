import { checkLogo, LogoRefused } from './logo-content';

const svg = (inner: string) => Buffer.from(`<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">${inner}</svg>\n`);

function png(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  const iend = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, iend]);
}

describe('checkLogo', () => {
  it('accepts plain SVG and PNG by content', () => {
    expect(checkLogo(svg('<rect width="5" height="5" fill="url(#g)"/><use href="#a"/>'))).toBe('image/svg+xml');
    expect(checkLogo(png(200, 50))).toBe('image/png');
  });

  it.each([
    ['<script>alert(1)</script>', 'an element that can run script'],
    ['<rect onload="alert(1)"/>', 'an event-handler attribute'],
    ['<a href="https://evil.example/">x</a>', 'a link to anything but a fragment'],
    ['<image xlink:href="http://evil.example/track.png"/>', 'a link to anything but a fragment'],
    ['<foreignObject><div/></foreignObject>', 'an element that can run script'],
    ['<rect style="fill:url(https://evil.example/x)"/>', 'a url() reference outside the logo'],
    ['<a href="&#106;avascript:alert(1)">x</a>', 'a link to anything but a fragment'],
    ['<set attributeName="href" to="javascript:alert(1)"/>', 'an element that can run script'],
    ['<style>@import "https://evil.example/x.css";</style>', 'a CSS @import'],
  ])('refuses %s', (inner, reason) => {
    expect(() => checkLogo(svg(inner))).toThrow(LogoRefused);
    expect(() => checkLogo(svg(inner))).toThrow(reason);
  });

  it('refuses entities, non-images, truncated and oversized PNGs', () => {
    expect(() => checkLogo(Buffer.from('<!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>'))).toThrow('The logo is neither a PNG nor an SVG document');
    expect(() => checkLogo(Buffer.from('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>'))).toThrow(LogoRefused);
    expect(() => checkLogo(Buffer.from('<html><script>1</script></html>'))).toThrow('neither a PNG nor an SVG document');
    expect(() => checkLogo(Buffer.from('MZ\x90\x00'))).toThrow(LogoRefused);
    expect(() => checkLogo(png(200, 50).subarray(0, 40))).toThrow('The PNG is truncated or malformed');
    expect(() => checkLogo(png(10000, 50))).toThrow('between 1×1 and 4096×4096');
  });
});
