// Whether a pattern can match text without a line break: output: rules see one line at a
// time without its ending, so a pattern that can only match across a break never holds.
import { createRequire } from 'node:module';
import type { AST } from '@eslint-community/regexpp';

type Regexpp = typeof import('@eslint-community/regexpp');
// Loaded only when an output: rule is given: start-up without one does not pay for it.
let regexpp: Regexpp | undefined;
const load = () => (regexpp ??= createRequire(import.meta.url)('@eslint-community/regexpp') as Regexpp);

const isBreak = (code: number) => code === 0x0a || code === 0x0d;

/**
 * False only when every match of `pattern` must hold a `\n` or `\r`. In doubt (lookarounds,
 * sets, back-references, syntax the parser does not know) the answer is true.
 */
export function canMatchWithoutLineBreak(pattern: RegExp): boolean {
  let ast: AST.RegExpLiteral;
  try {
    ast = load().parseRegExpLiteral(pattern);
  } catch {
    return true;
  }
  return someAlternative(ast.pattern.alternatives);
}

function someAlternative(alternatives: readonly AST.Alternative[]): boolean {
  return alternatives.some((alternative) => alternative.elements.every(element));
}

function element(node: AST.Element): boolean {
  switch (node.type) {
    case 'Character':
      return !isBreak(node.value);
    case 'Quantifier':
      return node.min === 0 || element(node.element);
    case 'Group':
    case 'CapturingGroup':
      return someAlternative(node.alternatives);
    case 'CharacterClass':
      if (node.negate || node.unicodeSets || node.elements.length === 0) return true;
      return node.elements.some((member) => {
        if (member.type === 'Character') return !isBreak(member.value);
        if (member.type === 'CharacterClassRange') return !(isBreak(member.min.value) && member.min.value === member.max.value);
        return true;
      });
    default:
      // Assertions, back-references, sets such as . \s \w: each can hold, or take, no break.
      return true;
  }
}
