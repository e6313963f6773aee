import { yaraRules } from './yara-meta';

describe('yaraRules', () => {
  it('reads names, tags and meta, and ignores rules inside comments and strings', () => {
    const source = `
      import "pe"
      // rule Commented { condition: true }
      /* rule Blocked { condition: true } */
      private rule Helper { condition: true }
      rule Dropper_A : dropper script {
        meta:
          author = "Jane \\"J\\" Doe"
          description = "rule Fake { inside a string }"
          score = 70
        strings:
          $a = "meta: author = \\"nobody\\""
        condition: $a
      }`;
    expect(yaraRules(source)).toEqual([
      { name: 'Helper', tags: [], meta: {} },
      { name: 'Dropper_A', tags: ['dropper', 'script'], meta: { author: 'Jane "J" Doe', description: 'rule Fake { inside a string }', score: '70' } },
    ]);
  });
});
