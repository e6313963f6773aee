import { attributesOf, decodeEntities, elements, textOf, xmlProblem } from './xml';

describe('Office XML helpers', () => {
  it('accepts well-formed XML: declaration, comments, CDATA, processing instructions, quotes holding > and /', () => {
    expect(xmlProblem(`<?xml version="1.0"?>\n<!-- c --><a x='1>2' y="a/b"><b/><c>t<![CDATA[<not a tag>]]></c><?pi x?></a>\n`)).toBeNull();
    expect(xmlProblem('<w:document xmlns:w="u"><w:body/></w:document>')).toBeNull();
  });

  it.each([
    ['<a><b></a>', '</a> at offset 6 closes <b>'],
    ['<a><b>', 'unclosed <b> at the end (truncated?)'],
    ['</a>', '</a> at offset 0 closes nothing'],
    ['<a/><b/>', 'second root element <b> at offset 4'],
    ['<a/>text', 'text after the root element at offset 4'],
    ['text<a/>', 'text before the first element'],
    ['<a x=1/>', 'unquoted attribute value in <a> at offset 0'],
    ['<a x/>', 'attribute without a value in <a> at offset 0'],
    ['<a x="1></a>', 'unterminated attribute value in <a> at offset 0'],
    ['<a><!-- open', 'unterminated comment at offset 3'],
    ['<a>< b/></a>', 'malformed tag at offset 3: "< b/></a>"'],
    ['', 'no XML element'],
  ])('reports %j as %j', (xml, problem) => {
    expect(xmlProblem(xml)).toBe(problem);
  });

  it('finds elements by local name under any prefix, with attributes and inner text', () => {
    const xml = '<r><x:Relationship Id="rId1" Target="a&amp;b" TargetMode=\'External\'/><Relationship Id="rId2" Type="t>t"></Relationship><RelationshipX Id="no"/></r>';
    const found = elements(xml, ['Relationship'], { inner: true });
    expect(found.map((e) => [e.name, e.attributes.Id, e.attributes.Target, e.attributes.TargetMode, e.attributes.Type, e.inner])).toEqual([
      ['x:Relationship', 'rId1', 'a&b', 'External', undefined, ''],
      ['Relationship', 'rId2', undefined, undefined, 't>t', ''],
    ]);
    expect(attributesOf(' r:id="rId5" w:val="x"')).toEqual({ 'r:id': 'rId5', id: 'rId5', 'w:val': 'x', val: 'x' });
    expect(decodeEntities('&lt;&#65;&#x42;&quot;&apos;&bogus;')).toBe('<AB"\'&bogus;');
    expect(textOf('<a>x</a><b>&amp;y</b>')).toBe('x&y');
  });
});
