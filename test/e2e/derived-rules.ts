import { isMap, isSeq, parseDocument } from 'yaml';

export interface RuleOverride {
  readonly alert: string;
  /** Replaces the number after the expression's final comparison (`> 600` -> `> 2`). */
  readonly threshold: number;
  readonly for: string;
}

/** A comparison with a number at the end of an expression: an alert's threshold. */
const FINAL_COMPARISON = /(>=?|<=?|==|!=)\s*(\d+(?:\.\d+)?)\s*$/;

/**
 * The shipped rules file with one alert's threshold and `for:` shortened, so that it can fire
 * within a test (clarification 12). Everything else, the expression's shape included, is kept.
 */
export function deriveRules(text: string, override: RuleOverride): string {
  const doc = parseDocument(text);
  const groups = doc.get('groups');
  if (!isSeq(groups)) throw new Error('the rules file has no groups');
  const matches = groups.items.flatMap((group) => {
    const rules = isMap(group) ? group.get('rules') : undefined;
    return isSeq(rules) ? rules.items.filter((rule) => isMap(rule) && rule.get('alert') === override.alert) : [];
  });
  const [rule] = matches;
  if (matches.length !== 1 || !isMap(rule)) throw new Error(`expected one alert ${override.alert}, found ${matches.length}`);

  const expr = rule.get('expr');
  if (typeof expr !== 'string') throw new Error(`${override.alert} has no expr`);
  if (!FINAL_COMPARISON.test(expr)) throw new Error(`${override.alert}: "${expr}" does not end in a comparison with a number`);
  rule.set('expr', expr.replace(FINAL_COMPARISON, (_, op: string) => `${op} ${override.threshold}`));
  rule.set('for', override.for);
  return doc.toString();
}

/** What an alert's expression yields before its threshold filters it. */
export interface UnthresholdedExpression {
  /** The expression with the threshold of its first operand dropped; set operators after it kept. */
  readonly expr: string;
  /** That first operand alone, without its threshold. */
  readonly firstOperand: string;
}

/**
 * `a > 60 unless b == 0` becomes `a unless b == 0`: the values the alert compares, filtered by the
 * conditions it sets. An alert whose label matching is wrong (a division or `and` whose two sides
 * never share labels) yields nothing here even when every metric it reads has data.
 */
export function withoutThreshold(expr: string): UnthresholdedExpression {
  const split = firstSetOperator(expr);
  const head = expr.slice(0, split);
  if (!FINAL_COMPARISON.test(head)) throw new Error(`"${head.trim()}" does not end in a comparison with a number`);
  const firstOperand = head.replace(FINAL_COMPARISON, '').trim();
  return { expr: `${firstOperand} ${expr.slice(split).trim()}`.trim(), firstOperand };
}

/** Where the first `and`, `or` or `unless` outside brackets and strings starts; the length when none. */
function firstSetOperator(expr: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote !== null) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && /\s/.test(c) && /^\s(and|or|unless)\s/.test(expr.slice(i))) return i;
  }
  return expr.length;
}
