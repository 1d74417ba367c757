import { describe, expect, it } from 'vitest';
import { compileExpression, ExpressionError } from '../../src/models/playbook/expr.js';

/** Compiles and evaluates in one go. */
const ev = (source: string, facts: Record<string, unknown> = {}): unknown => compileExpression(source).evaluate(facts);

/** A Prometheus instant-query result, as grafana.query_prometheus returns it (sample values are strings). */
const vector = (value: string): Record<string, unknown> => ({ resultType: 'vector', result: [{ metric: {}, value: [1795408612.1, value] }] });

describe('playbook expressions: arithmetic and precedence', () => {
  it('binds * / % tighter than + -, and both tighter than comparisons, && and ||', () => {
    expect(ev('1 + 2 * 3')).toBe(7);
    expect(ev('(1 + 2) * 3')).toBe(9);
    expect(ev('10 - 4 - 3')).toBe(3); // left-associative
    expect(ev('24 / 4 / 2')).toBe(3);
    expect(ev('7 % 4 * 2')).toBe(6);
    expect(ev('1 + 2 > 2 && 3 < 2 * 2')).toBe(true);
    expect(ev('1 > 2 || 2 > 1 && 1 == 1')).toBe(true);
    expect(ev('false || true && false')).toBe(false); // && before ||
    expect(ev('2 * 3 == 6')).toBe(true);
  });

  it('unary minus and not bind tightest', () => {
    expect(ev('-2 * 3')).toBe(-6);
    expect(ev('--2')).toBe(2);
    expect(ev('-x + 1', { x: 4 })).toBe(-3);
    expect(ev('!0')).toBe(true);
    expect(ev('!1 == false')).toBe(true); // (!1) == false
    expect(ev('!!"text"')).toBe(true);
  });

  it('reads numbers in every literal form', () => {
    expect(ev('0.5 + .5')).toBe(1);
    expect(ev('1e3 + 2E-1')).toBe(1000.2);
    expect(ev('3.')).toBe(3);
  });

  it('the ternary is the lowest precedence, right-associative, and evaluates only the branch taken', () => {
    expect(ev('1 > 2 ? "a" : "b"')).toBe('b');
    expect(ev('x > 10 ? "big" : x > 5 ? "medium" : "small"', { x: 7 })).toBe('medium');
    expect(ev('x ?? 3 ? "set" : "unset"', { x: 0 })).toBe('unset'); // (x ?? 3) ? ... : ...
    expect(ev('true ? 1 : 1 / 0')).toBe(1);
    expect(ev('1 + (true ? 2 : 3) * 2')).toBe(5);
  });

  it('?? is below || so "a || b ?? c" groups as (a || b) ?? c', () => {
    expect(ev('missing || false ?? "fallback"')).toBe('fallback'); // missing || false is undefined
    expect(ev('x ?? y ?? 3', { y: 2 })).toBe(2);
  });
});

describe('playbook expressions: numbers, strings and the undefined rule', () => {
  it('counts numeric strings (Prometheus samples) as numbers, and booleans as 0/1', () => {
    expect(ev('a * 2', { a: '21' })).toBe(42);
    expect(ev('a + b', { a: ' 1.5 ', b: '2.5' })).toBe(4);
    expect(ev('a == 3', { a: '3.0' })).toBe(true);
    expect(ev('"1e2" == 100')).toBe(true);
    expect(ev('true + true')).toBe(2);
  });

  it('text that is not a number makes arithmetic and ordering undefined, not NaN and not a string concatenation', () => {
    expect(ev('a + 1', { a: 'abc' })).toBeUndefined();
    expect(ev('a < 1', { a: '' })).toBeUndefined();
    expect(ev('"a" < "b"')).toBeUndefined();
    expect(ev('a * 2', { a: { value: 1 } })).toBeUndefined();
    expect(ev('a * 2', { a: [3] })).toBeUndefined();
  });

  it('compares text, objects and arrays by value', () => {
    expect(ev('a == "down"', { a: 'down' })).toBe(true);
    expect(ev('a != "down"', { a: 'up' })).toBe(true);
    expect(ev('a == b', { a: { x: [1, 2] }, b: { x: [1, 2] } })).toBe(true);
    expect(ev('a == b', { a: [1, 2], b: [2, 1] })).toBe(false);
  });

  it('a missing fact makes the whole expression undefined — arithmetic, comparisons, equality and not', () => {
    for (const src of ['missing + 1', 'missing * 0', 'missing > 0', 'missing <= 0', 'missing == 0', 'missing != 0', '!missing', '-missing', 'missing.deeper.still', 'missing ? 1 : 2']) {
      expect(ev(src), src).toBeUndefined();
    }
    // null is "no data" too: it equals nothing, not even null (use exists()).
    expect(ev('a == null', { a: null })).toBeUndefined();
    expect(ev('exists(a)', { a: null })).toBe(false);
  });

  it('division and remainder by zero are undefined, never Infinity or NaN', () => {
    expect(ev('1 / 0')).toBeUndefined();
    expect(ev('0 / 0')).toBeUndefined();
    expect(ev('5 % 0')).toBeUndefined();
    expect(ev('a / b', { a: '3', b: '0' })).toBeUndefined();
    expect(ev('(1 / 0) > 5')).toBeUndefined();
    expect(ev('5 % 3')).toBe(2);
  });

  it('an overflow is undefined too: a rule never compares or templates Infinity', () => {
    expect(ev('1e308 * 10')).toBeUndefined();
    expect(ev('1e308 + 1e308')).toBeUndefined();
    expect(ev('-1e308 - 1e308')).toBeUndefined();
    expect(ev('1e308 * 10 > 5')).toBeUndefined();
  });

  it('&& and || give booleans, and an answer only when the missing side could not change it', () => {
    expect(ev('1 && "x"')).toBe(true);
    expect(ev('0 || ""')).toBe(false);
    expect(ev('false && missing')).toBe(false);
    expect(ev('missing && false')).toBe(false);
    expect(ev('true && missing')).toBeUndefined();
    expect(ev('missing && true')).toBeUndefined();
    expect(ev('true || missing')).toBe(true);
    expect(ev('missing || true')).toBe(true);
    expect(ev('false || missing')).toBeUndefined();
    // "nothing is saturated" must not be concluded from a saturation fact that is missing
    expect(ev('missing || false')).toBeUndefined();
    expect(ev('!(poolSaturated || workersSaturated)', { workersSaturated: false })).toBeUndefined();
    expect(ev('!(poolSaturated || workersSaturated)', { poolSaturated: false, workersSaturated: false })).toBe(true);
  });

  it('numeric text is true or false by its number, like everywhere else ("0" is false)', () => {
    // Prometheus sends "0": a raw sample must not read as true because it is a non-empty string.
    expect(ev('a && true', { a: '0' })).toBe(false);
    expect(ev('!a', { a: '0' })).toBe(true);
    expect(ev('a ? "yes" : "no"', { a: '0.0' })).toBe('no');
    expect(ev('a ? "yes" : "no"', { a: '2' })).toBe('yes');
    expect(ev('a ? "yes" : "no"', { a: 'down' })).toBe('yes');
    expect(ev('a ? "yes" : "no"', { a: '' })).toBe('no');
    expect(ev('a ? "yes" : "no"', { a: [] })).toBe('yes');
  });

  it('?? takes the right side only for undefined or null (0, false and "" are values)', () => {
    expect(ev('a ?? 5', { a: 0 })).toBe(0);
    expect(ev('a ?? 5', { a: false })).toBe(false);
    expect(ev('a ?? 5', { a: '' })).toBe('');
    expect(ev('a ?? 5', { a: null })).toBe(5);
    expect(ev('a ?? 5')).toBe(5);
    expect(ev('a / 0 ?? -1', { a: 1 })).toBe(-1);
  });
});

describe('playbook expressions: paths', () => {
  const facts = { cfg: { pool: { size: 10 }, 'max-conns': 4 }, alerts: { data: [{ line: 'first' }, { line: 'second' }] }, rows: [[1, 2], [3, 4]], $fired: { 'step-a': 2 } };

  it('reads nested fields, [n] indexes and quoted keys', () => {
    expect(ev('cfg.pool.size + 1', facts)).toBe(11);
    expect(ev('alerts.data[1].line', facts)).toBe('second');
    expect(ev('rows[1][0]', facts)).toBe(3);
    expect(ev('cfg["max-conns"]', facts)).toBe(4);
    expect(ev("$fired['step-a']", facts)).toBe(2);
  });

  it('.0-style paths index arrays like [0] (and .0.1 is two indexes, not the number 0.1)', () => {
    expect(ev('alerts.data.0.line', facts)).toBe('first');
    expect(ev('alerts.data.1.line', facts)).toBe(ev('alerts.data[1].line', facts));
    expect(ev('rows.1.0', facts)).toBe(3);
    expect(ev('rows[0].1', facts)).toBe(2);
    expect(ev('rows.0.1 * 10', facts)).toBe(20);
    // A decimal number still reads as a number wherever a path cannot continue.
    expect(ev('max(rows.0.1, .5) + .25', facts)).toBe(2.25);
  });

  it('a path through a missing or non-object value is undefined, not an error', () => {
    expect(ev('cfg.pool.size.value', facts)).toBeUndefined();
    expect(ev('alerts.data[5].line', facts)).toBeUndefined();
    expect(ev('nothing[0]', facts)).toBeUndefined();
  });

  it('reads facts, not JavaScript internals: no prototype members, no string or array methods', () => {
    expect(ev('exists(cfg.constructor)', facts)).toBe(false);
    expect(ev('exists(cfg.toString)', facts)).toBe(false);
    expect(ev('exists(cfg.__proto__)', facts)).toBe(false);
    expect(ev('exists(alerts.data.map)', facts)).toBe(false);
    expect(ev('exists(constructor)', facts)).toBe(false);
    expect(ev('alerts.data.length', facts)).toBe(2); // an array's own length is data
  });

  it('true, false and null are literals, not facts; reads lists the root facts an expression uses', () => {
    expect(ev('true', { true: false })).toBe(true);
    expect(compileExpression('max(a.b, c[0]) > (d ?? 1) ? sample(e) : !f').reads).toEqual(['a', 'c', 'd', 'e', 'f']);
    expect(compileExpression('min(1, 2) + true').reads).toEqual([]);
  });
});

describe('playbook expressions: functions', () => {
  it('min, max, ceil, floor, abs, round: numbers in, a number or undefined out', () => {
    expect(ev('min(3, "2", 5)')).toBe(2);
    expect(ev('max(3, "2", 5)')).toBe(5);
    expect(ev('min()')).toBeUndefined(); // Math.min() is Infinity: no answer
    expect(ev('max(1, missing)')).toBeUndefined();
    expect(ev('ceil(2.1)')).toBe(3);
    expect(ev('floor("2.9")')).toBe(2);
    expect(ev('abs(-4)')).toBe(4);
    expect(ev('round(2.4)')).toBe(2);
    expect(ev('round(1.2345, 2)')).toBe(1.23);
    expect(ev('round(1234, -2)')).toBe(1200);
    expect(ev('round("x")')).toBeUndefined();
  });

  it('num parses; sample reads the first value of an instant-query result', () => {
    expect(ev('num("4.5")')).toBe(4.5);
    expect(ev('num("four")')).toBeUndefined();
    expect(ev('num(true)')).toBe(1);
    expect(ev('sample(q)', { q: vector('0.25') })).toBe(0.25);
    expect(ev('sample(q)', { q: { result: [] } })).toBeUndefined(); // no series: no data
    expect(ev('sample(q)', { q: { result: [{ value: [1, 'NaN'] }] } })).toBeUndefined();
    expect(ev('sample(q)', { q: 'timeout' })).toBeUndefined(); // a tool error saved as text
    expect(ev('sample(q)')).toBeUndefined();
    expect(ev('sample(q) * sample(r)', { q: vector('40'), r: vector('0.7') })).toBeCloseTo(28);
  });

  it('json parses text, len measures, exists tests presence', () => {
    expect(ev('json(f)', { f: '{"pool":{"size":24}}' })).toEqual({ pool: { size: 24 } });
    expect(ev('json(f)', { f: 'not json' })).toBeUndefined();
    expect(ev('json(f)', { f: 5 })).toBeUndefined();
    expect(ev('len(a)', { a: [1, 2, 3] })).toBe(3);
    expect(ev('len("abcd")')).toBe(4);
    expect(ev('len(o)', { o: { a: 1, b: 2 } })).toBe(2);
    expect(ev('len(5)')).toBeUndefined();
    expect(ev('len(missing)')).toBeUndefined();
    expect(ev('exists(a)', { a: 0 })).toBe(true);
    expect(ev('exists(a)')).toBe(false);
  });

  it('concat, fmt and pct make text, saying "no data" for what is missing', () => {
    expect(ev('concat("pool ", a, " -> ", b, " ", o)', { a: 24, b: 36, o: { x: 1 } })).toBe('pool 24 -> 36 {"x":1}');
    expect(ev('concat("p95 ", 1 / 3)')).toBe('p95 0.333');
    expect(ev('concat("got ", missing)')).toBe('got no data');
    expect(ev('fmt(2 / 3)')).toBe('0.67');
    expect(ev('fmt(2 / 3, 0)')).toBe('1');
    expect(ev('fmt("1.23456", 3)')).toBe('1.235');
    expect(ev('fmt(missing)')).toBe('no data');
    expect(ev('pct(0.125)')).toBe('12.5%');
    expect(ev('pct(0.12345, 2)')).toBe('12.35%');
    expect(ev('pct(missing)')).toBe('no data');
  });

  it('obj, list and pluck build values, leaving out what is missing', () => {
    expect(ev('obj("rate", r, "p95", p, "gone", missing)', { r: 40, p: 0.7 })).toEqual({ rate: 40, p95: 0.7 });
    expect(ev('obj("odd")')).toEqual({});
    expect(ev('list(1, missing, null, "a")')).toEqual([1, 'a']);
    expect(ev('list()')).toEqual([]);
    expect(ev('pluck(c, "path")', { c: [{ path: 'pool.size' }, { other: 1 }, null, { path: 'workers' }] })).toEqual(['pool.size', 'workers']);
    expect(ev('pluck(c, "path")', { c: 'x' })).toBeUndefined();
  });

  it('contains looks in arrays (by value) and in text', () => {
    expect(ev('contains(a, "pool.size")', { a: ['pool.size', 'workers'] })).toBe(true);
    expect(ev('contains(a, o)', { a: [{ k: 1 }], o: { k: 1 } })).toBe(true);
    expect(ev('contains(a, 2)', { a: [1] })).toBe(false);
    expect(ev('contains("connection timeout", "timeout")')).toBe(true);
    expect(ev('contains("abc", 1)')).toBeUndefined();
    expect(ev('contains(missing, 1)')).toBeUndefined();
  });

  it('the issue\'s capacity figures, end to end', () => {
    const facts = { acquireRate: vector('40'), queryMean: vector('0.7'), cfg: { pool: { size: 24 } } };
    const demand = compileExpression('sample(acquireRate) * sample(queryMean)').evaluate(facts) as number;
    expect(demand).toBeCloseTo(28);
    expect(ev('max(ceil(demand * 1.25), cfg.pool.size + 1)', { ...facts, demand })).toBe(35);
    expect(ev('concat("pool ", cfg.pool.size, " -> 36: ", sample(acquireRate), " req/s x ", sample(queryMean), " s = ", fmt(demand, 0), " in flight")', { ...facts, demand }))
      .toBe('pool 24 -> 36: 40 req/s x 0.7 s = 28 in flight');
  });
});

describe('playbook expressions: syntax errors name the problem, the position and the source', () => {
  const fails = (source: string, message: RegExp): void => {
    let error: unknown;
    try {
      compileExpression(source);
    } catch (err) {
      error = err;
    }
    expect(error, source).toBeInstanceOf(ExpressionError);
    expect((error as Error).message, source).toMatch(message);
  };

  it('reports each kind of mistake', () => {
    fails('', /^empty expression$/);
    fails('   ', /^empty expression$/);
    fails('a +', /expected a number, a fact or a function but found the end at 4 in 'a \+'/);
    fails('a # b', /unexpected '#' at 3 in 'a # b'/);
    fails('"open', /unterminated string at 1 in '"open'/);
    fails('(a + 1', /expected '\)' but found the end at 7 in '\(a \+ 1'/);
    fails('a b', /expected end of expression but found 'b' at 3 in 'a b'/);
    fails('a ? 1', /expected ':' but found the end at 6/);
    fails('a.', /expected a field name but found the end at 3/);
    fails('a[b]', /expected an index or a quoted key but found 'b' at 3/);
    fails('a[0', /expected '\]' but found the end at 4/);
    fails('max(1,)', /expected a number, a fact or a function but found '\)' at 7/);
    fails('max(1 2)', /expected '\)' but found '2' at 7/);
    fails('a = 1', /unexpected '=' at 3/);
    fails('a.b(1)', /expected end of expression but found '\(' at 4/);
    fails('json(f).pool', /expected end of expression but found '\.' at 8/); // derive it first, then read the path
  });

  it('an unknown function is named, with where it is and the functions that exist', () => {
    fails('1 + ceiling(x)', /unknown function 'ceiling' at 5 in '1 \+ ceiling\(x\)' \(known: min, max, ceil, .*contains\)/);
    fails('constructor(1)', /unknown function 'constructor'/);
    fails('toString()', /unknown function 'toString'/);
  });
});
