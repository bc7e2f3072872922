/**
 * The bits of sh syntax that the simulated shell and user-data scripts need: splitting a command
 * line into words (blanks separate, '...' and "..." quote, backslash escapes, '#' starts a
 * comment; no expansion) and what `echo` prints. An unquoted '>' ends the command: its output
 * goes to a file, so nothing reaches the console.
 */
export interface CommandLine {
  words: string[];
  /** True when output is redirected to a file (so nothing reaches the console). */
  redirected: boolean;
}

export function parseCommandLine(line: string): CommandLine {
  const words: string[] = [];
  let redirected = false;
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] ?? '';
    if (quote) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (char === ' ' || char === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (char === '#' && !inWord) {
      break;
    } else if (char === '>') {
      // Everything after the operator names the file; it matters to no one here.
      redirected = true;
      break;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return { words, redirected };
}

/** What `echo ARGS` prints: the arguments joined by blanks, with a newline unless -n. */
export function echoOutput(args: string[]): string {
  if (args[0] === '-n') return args.slice(1).join(' ');
  return `${args.join(' ')}\n`;
}
