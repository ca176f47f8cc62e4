/**
 * One line for a command-line mistake, in place of yargs's text: `rpcgen nwe x` names the
 * unknown command and the nearest known one (yargs would say "Unknown arguments: nwe, x"), and a
 * value outside its choices (`--pm bun`) says what is allowed without yargs's two-line layout.
 */
export function parseErrorMessage(yargsMessage: string, argv: readonly string[], commands: readonly string[]): string {
  const first = argv.find((a) => !a.startsWith("-"));
  if (first !== undefined && argv.indexOf(first) === 0 && !commands.includes(first)) {
    const nearest = nearestWord(first, commands);
    const hint = nearest === undefined ? ` Commands: ${commands.join(", ")}.` : ` Did you mean "${nearest}"?`;
    return `Unknown command "${first}".${hint}`;
  }
  const choice = /^Invalid values:\s*Argument: (\S+), Given: (.*), Choices: (.*)$/s.exec(yargsMessage);
  if (choice !== null) {
    const [, option, given, choices] = choice;
    return `--${option} ${given!.trim()} is not one of ${choices!.trim().replace(/\s+/g, " ")} (see rpcgen --help)`;
  }
  return `${yargsMessage.replace(/\s*\n\s*/g, " ")} (see rpcgen --help)`;
}

/** The word of `words` within two edits of `word` (the nearest), if any. */
function nearestWord(word: string, words: readonly string[]): string | undefined {
  let best: { word: string; distance: number } | undefined;
  for (const candidate of words) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { word: candidate, distance };
  }
  return best?.word;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
