import { describeRule, escapedSplit, parsePlacement, referencedFields, splitConstraints, type PlacementRule } from '..';

const POD = 'hello';
const q = (s: string): string => s.replace(/'/g, '"');

function ruleOf(constraint: string): PlacementRule | null {
  const parsed = parsePlacement(constraint, POD);
  if ('error' in parsed) throw new Error(`unexpected parse error for ${constraint}: ${parsed.error}`);
  return parsed.rule;
}

function errorOf(constraint: string): string {
  const parsed = parsePlacement(constraint, POD);
  if (!('error' in parsed)) throw new Error(`expected an error for ${constraint}, got ${parsed.rule && describeRule(parsed.rule)}`);
  return parsed.error;
}

const UNIQUE_ATTR =
  "AndRule{rules=[AttributeRule{matcher=RegexMatcher{pattern='rack-id:.*'}}, " +
  "MaxPerAttributeRule{max=1, matcher=RegexMatcher{pattern='rack-id:.*'}, task-filter=RegexMatcher{pattern='hello-.*'}}]}";
const MAX_PER_ATTR =
  "AndRule{rules=[AttributeRule{matcher=RegexMatcher{pattern='rack-id:.*'}}, " +
  "MaxPerAttributeRule{max=2, matcher=RegexMatcher{pattern='rack-id:.*'}, task-filter=RegexMatcher{pattern='hello-.*'}}]}";

describe('Marathon constraint parser (reference §5.5, §9.11)', () => {
  // Each row: the three syntaxes of one constraint parse to the same rule, rendered like the original.
  it.each([
    ['9.11 hostname:UNIQUE ≡ ["hostname","UNIQUE"] ≡ [["hostname","UNIQUE"]] → max-per-hostname 1', ['hostname', 'UNIQUE'],
      "MaxPerHostnameRule{max=1, task-filter=RegexMatcher{pattern='hello-.*'}}"],
    ['rack-id:UNIQUE → attribute present AND max-per-attribute 1', ['rack-id', 'UNIQUE'], UNIQUE_ATTR],
    ['9.11 rack-id:CLUSTER:rack-1 → exact attribute rack-id:rack-1', ['rack-id', 'CLUSTER', 'rack-1'],
      "AttributeRule{matcher=ExactMatcher{str='rack-id:rack-1'}}"],
    ['hostname:CLUSTER:a.specific.node.com → exact hostname', ['hostname', 'CLUSTER', 'a.specific.node.com'],
      "HostnameRule{matcher=ExactMatcher{str='a.specific.node.com'}}"],
    ['rack-id:GROUP_BY → round-robin by attribute, count unknown', ['rack-id', 'GROUP_BY'],
      "RoundRobinByAttributeRule{attribute=rack-id, attribute-count=Optional.empty, task-filter=RegexMatcher{pattern='hello-.*'}}"],
    ['rack-id:GROUP_BY:3 → round-robin by attribute over 3 values', ['rack-id', 'GROUP_BY', '3'],
      "RoundRobinByAttributeRule{attribute=rack-id, attribute-count=Optional[3], task-filter=RegexMatcher{pattern='hello-.*'}}"],
    ['zone:GROUP_BY:3 → zone without @ is an attribute', ['zone', 'GROUP_BY', '3'],
      "RoundRobinByAttributeRule{attribute=zone, attribute-count=Optional[3], task-filter=RegexMatcher{pattern='hello-.*'}}"],
    ['hostname:GROUP_BY → round-robin by hostname, count unknown', ['hostname', 'GROUP_BY'],
      "RoundRobinByHostnameRule{agent-count=Optional.empty, task-filter=RegexMatcher{pattern='hello-.*'}}"],
    ['9.11 hostname:GROUP_BY:3 → round-robin by hostname with 3 agents', ['hostname', 'GROUP_BY', '3'],
      "RoundRobinByHostnameRule{agent-count=Optional[3], task-filter=RegexMatcher{pattern='hello-.*'}}"],
    ['9.11 rack-id:LIKE:rack-[1-3] → attribute regex rack-id:rack-[1-3]', ['rack-id', 'LIKE', 'rack-[1-3]'],
      "AttributeRule{matcher=RegexMatcher{pattern='rack-id:rack-[1-3]'}}"],
    ['hostname:LIKE:rack-[1-3] → hostname regex', ['hostname', 'LIKE', 'rack-[1-3]'], "HostnameRule{matcher=RegexMatcher{pattern='rack-[1-3]'}}"],
    ['9.11 foo:IS:bar → exact attribute', ['foo', 'IS', 'bar'], "AttributeRule{matcher=ExactMatcher{str='foo:bar'}}"],
    ['9.11 @region:IS:bar → region rule', ['@region', 'IS', 'bar'], "RegionRule{matcher=ExactMatcher{str='bar'}}"],
    ['@zone:IS:bar → zone rule', ['@zone', 'IS', 'bar'], "ZoneRule{matcher=ExactMatcher{str='bar'}}"],
    ['@hostname:IS:bar → hostname rule', ['@hostname', 'IS', 'bar'], "HostnameRule{matcher=ExactMatcher{str='bar'}}"],
    ['foo:IS_NOT:bar → inverted exact attribute', ['foo', 'IS_NOT', 'bar'], "AttributeRule{matcher=InvertedExactMatcher{str='foo:bar'}}"],
    ['@region:IS_NOT:bar → inverted region', ['@region', 'IS_NOT', 'bar'], "RegionRule{matcher=InvertedExactMatcher{str='bar'}}"],
    ['9.11 @zone:IS_NOT:bar → inverted zone match', ['@zone', 'IS_NOT', 'bar'], "ZoneRule{matcher=InvertedExactMatcher{str='bar'}}"],
    ['@hostname:IS_NOT:bar → inverted hostname', ['@hostname', 'IS_NOT', 'bar'], "HostnameRule{matcher=InvertedExactMatcher{str='bar'}}"],
    ['rack-id:UNLIKE:rack-[7-9] → negated attribute regex', ['rack-id', 'UNLIKE', 'rack-[7-9]'],
      "NotRule{rule=AttributeRule{matcher=RegexMatcher{pattern='rack-id:rack-[7-9]'}}}"],
    ['9.11 hostname:UNLIKE:x → negated hostname regex', ['hostname', 'UNLIKE', 'x'], "NotRule{rule=HostnameRule{matcher=RegexMatcher{pattern='x'}}}"],
    ['rack-id:MAX_PER:2 → attribute present AND max-per-attribute 2', ['rack-id', 'MAX_PER', '2'], MAX_PER_ATTR],
    ['9.11 hostname:MAX_PER:2 → max 2 per hostname', ['hostname', 'MAX_PER', '2'],
      "MaxPerHostnameRule{max=2, task-filter=RegexMatcher{pattern='hello-.*'}}"],
    ['@zone:UNIQUE → max-per-zone 1', ['@zone', 'UNIQUE'], "MaxPerZoneRule{max=1, task-filter=RegexMatcher{pattern='hello-.*'}}"],
    ['@region:MAX_PER:4 → max-per-region 4', ['@region', 'MAX_PER', '4'], "MaxPerRegionRule{max=4, task-filter=RegexMatcher{pattern='hello-.*'}}"],
    ['@zone:GROUP_BY:2 → round-robin by zone', ['@zone', 'GROUP_BY', '2'],
      "RoundRobinByZoneRule{zone-count=Optional[2], task-filter=RegexMatcher{pattern='hello-.*'}}"],
    ['@region:GROUP_BY → round-robin by region', ['@region', 'GROUP_BY'],
      "RoundRobinByRegionRule{region-count=Optional.empty, task-filter=RegexMatcher{pattern='hello-.*'}}"],
    ['@region:LIKE:us-.* → region regex', ['@region', 'LIKE', 'us-.*'], "RegionRule{matcher=RegexMatcher{pattern='us-.*'}}"],
    ['hostname:unique → operators are case-insensitive', ['hostname', 'unique'],
      "MaxPerHostnameRule{max=1, task-filter=RegexMatcher{pattern='hello-.*'}}"],
  ])('%s', (_name, row, rendering) => {
    const text = row.join(':');
    const flat = JSON.stringify(row);
    const nested = JSON.stringify([row]);
    for (const constraint of [text, flat, nested]) {
      const rule = ruleOf(constraint);
      expect(rule && describeRule(rule)).toBe(rendering);
    }
  });

  it('several operators in both syntaxes AND together in order', () => {
    const expected =
      'AndRule{rules=[' +
      "MaxPerHostnameRule{max=1, task-filter=RegexMatcher{pattern='hello-.*'}}, " +
      "AttributeRule{matcher=ExactMatcher{str='rack-id:rack-1'}}, " +
      "RoundRobinByAttributeRule{attribute=rack-id, attribute-count=Optional.empty, task-filter=RegexMatcher{pattern='hello-.*'}}, " +
      "AttributeRule{matcher=RegexMatcher{pattern='rack-id:rack-[1-3]'}}, " +
      "NotRule{rule=AttributeRule{matcher=RegexMatcher{pattern='rack-id:rack-[7-9]'}}}, " +
      MAX_PER_ATTR +
      ']}';
    const json = q(
      "[['hostname', 'UNIQUE'], ['rack-id', 'CLUSTER', 'rack-1'], ['rack-id', 'GROUP_BY'], " +
        "['rack-id', 'LIKE', 'rack-[1-3]'], ['rack-id', 'UNLIKE', 'rack-[7-9]'],['rack-id', 'MAX_PER', '2']]",
    );
    const text = 'hostname:UNIQUE,rack-id:CLUSTER:rack-1,rack-id:GROUP_BY,rack-id:LIKE:rack-[1-3],rack-id:UNLIKE:rack-[7-9],rack-id:MAX_PER:2';
    expect(describeRule(ruleOf(json) as PlacementRule)).toBe(expected);
    expect(describeRule(ruleOf(text) as PlacementRule)).toBe(expected);
  });

  it.each([
    ['escaped comma: rack-id:LIKE:rack-{1\\,3}', 'rack-id:LIKE:rack-{1\\,3}', "AttributeRule{matcher=RegexMatcher{pattern='rack-id:rack-{1,3}'}}"],
    ['escaped colons: rack-id:LIKE:foo\\:bar\\:baz', 'rack-id:LIKE:foo\\:bar\\:baz', "AttributeRule{matcher=RegexMatcher{pattern='rack-id:foo:bar:baz'}}"],
  ])('%s', (_name, constraint, rendering) => {
    expect(describeRule(ruleOf(constraint) as PlacementRule)).toBe(rendering);
  });

  it.each([
    ['empty string → no rule', ''],
    ['[] → no rule', '[]'],
  ])('%s', (_name, constraint) => {
    expect(ruleOf(constraint)).toBeNull();
  });

  it('keeps the constraint row on each parsed rule, for messages', () => {
    const rule = ruleOf('hostname:UNIQUE,rack-id:LIKE:foo\\:bar') as Extract<PlacementRule, { type: 'AndRule' }>;
    expect(rule.rules.map((r) => r.constraint)).toEqual(['hostname:UNIQUE', 'rack-id:LIKE:foo\\:bar']);
  });

  describe('errors carry the original texts (reference §5.5 "Errors")', () => {
    it.each([
      ['too many fields: rack-id:LIKE:foo:bar', 'rack-id:LIKE:foo:bar', 'Invalid number of entries in rule. Expected 2 or 3, got 4: [rack-id, LIKE, foo, bar]'],
      ['one field: a', 'a', 'Invalid number of entries in rule. Expected 2 or 3, got 1: [a]'],
      ['empty row in a nested list', q("[['hostname','UNIQUE'], []]"), 'Invalid number of entries in rule. Expected 2 or 3, got 0: []'],
      ['unknown operator: rack-id:FOO:foo', 'rack-id:FOO:foo',
        "Unsupported operator: 'FOO' in constraint: [rack-id, FOO, foo] (expected one of: UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, or MAX_PER)"],
      ['missing parameter: rack-id:CLUSTER', 'rack-id:CLUSTER', "Missing required parameter for operator 'CLUSTER'."],
      ['missing parameter: rack-id:LIKE', 'rack-id:LIKE', "Missing required parameter for operator 'LIKE'."],
      ['missing parameter: rack-id:UNLIKE', 'rack-id:UNLIKE', "Missing required parameter for operator 'UNLIKE'."],
      ['missing parameter: rack-id:MAX_PER', 'rack-id:MAX_PER', "Missing required parameter for operator 'MAX_PER'."],
      ['missing parameter: hostname:is', 'hostname:is', "Missing required parameter for operator 'is'."],
      ['non-integer MAX_PER: rack-id:MAX_PER:foo', 'rack-id:MAX_PER:foo', "Unable to parse max parameter as integer for 'MAX_PER' operation: foo"],
      ['non-integer GROUP_BY: rack-id:GROUP_BY:foo', 'rack-id:GROUP_BY:foo', "Unable to parse max parameter as integer for 'GROUP_BY' operation: foo"],
      ['missing last element: rack-id:MAX_PER:,', 'rack-id:MAX_PER:,', "Unable to parse max parameter as integer for 'MAX_PER' operation: "],
      ['MAX_PER below 1: hostname:MAX_PER:0', 'hostname:MAX_PER:0', "Invalid max parameter for 'MAX_PER' operation: 0 (must be at least 1)"],
      ['invalid regex: hostname:LIKE:a(b', 'hostname:LIKE:a(b', "Invalid regular expression 'a(b' for operator 'LIKE': "],
    ])('%s', (_name, constraint, message) => {
      expect(errorOf(constraint)).toContain(message);
      if (!message.endsWith(': ')) expect(errorOf(constraint)).toBe(message);
    });

    it.each([
      ['over-escaped JSON', '[[\\"hostname\\",\\"MAX_PER\\",\\"1\\"]]'],
      ["missing ']]'", q("[['rack-id', 'MAX_PER', '2'")],
      ['trailing tokens after a flat list', q("['hostname','UNIQUE'],[['hostname','LIKE','10.0.3.6']")],
      ['trailing open bracket', q("['hostname','UNIQUE'],[")],
      ['unclosed nested list', q("[['hostname','UNIQUE'],['hostname','LIKE','10.0.3.6']")],
      ['trailing comma after a nested list', q("[['hostname','UNIQUE']],")],
    ])('malformed JSON is invalid: %s', (_name, constraint) => {
      expect(errorOf(constraint)).toMatch(/^Malformed JSON placement constraints: /);
    });
  });

  it.each([
    ['', [['']]],
    ['a', [['a']]],
    [q("['a', 'b', 'c']"), [['a', 'b', 'c']]],
    [q("[['a', 'b', 'c']]"), [['a', 'b', 'c']]],
    [q("[['a', 'b', 'c'], ['d', 'e']]"), [['a', 'b', 'c'], ['d', 'e']]],
    [q("[['a'], []]"), [['a'], []]],
    ['a:b:c,d:e,f:g:', [['a', 'b', 'c'], ['d', 'e'], ['f', 'g', '']]],
    ['a:b:c,:d:e,:f:', [['a', 'b', 'c'], ['', 'd', 'e'], ['', 'f', '']]],
    [' a : b : c , : d : e , : f : ', [['a', 'b', 'c'], ['', 'd', 'e'], ['', 'f', '']]],
    ['::,:', [['', '', ''], ['', '']]],
  ])('splits %j into rows %j (reference §5.5 "Splitter")', (constraint, rows) => {
    expect(splitConstraints(constraint)).toEqual(rows);
  });

  it.each([
    ['hi,hey', ['hi', 'hey']],
    ['hi\\,hey', ['hi,hey']],
    ['hi\\,,hey', ['hi,', 'hey']],
    ['hi,\\,hey', ['hi', ',hey']],
    ['hi,,   ,  hey  ', ['hi', '', '', 'hey']],
    ['', ['']],
    ['hello,hi\\', ['hello', 'hi\\']],
    ['a\\b,c', ['a\\b', 'c']],
  ])('escaped split of %j on "," → %j', (text, tokens) => {
    expect(escapedSplit(text, ',')).toEqual(tokens);
  });

  it.each([
    ['@zone:GROUP_BY:3', ['ZONE']],
    ['@region:IS:us-east', ['REGION']],
    ['hostname:UNIQUE,@zone:UNIQUE', ['HOSTNAME', 'ZONE']],
    ['rack:UNLIKE:r1', ['ATTRIBUTE']],
    ['zone:GROUP_BY', ['ATTRIBUTE']],
  ])('%s refers to the placement fields %j', (constraint, fields) => {
    expect([...referencedFields(ruleOf(constraint))].sort()).toEqual([...fields].sort());
  });
});
