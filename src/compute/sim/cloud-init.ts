/**
 * The simulated cloud-init: at first boot it "runs" a shell-script user data by printing what its
 * echo lines would print (nothing else in the script has an effect), and acknowledges any other
 * user data without running it. What it prints goes both to the console and to
 * /var/log/cloud-init-output.log, as cloud-init's default output setting does. The guest has no
 * disk, so the log only holds what this boot did.
 */
import type { GuestSpec } from '../../core/compute.js';
import { echoOutput, parseCommandLine } from './shell-words.js';

const VERSION = 'Cloud-init v. 22.4.2';

/** What an `echo`-only reading of a shell script prints, as lines. */
function runScript(script: string): string[] {
  let output = '';
  for (const line of script.split('\n').slice(1)) {
    const { words, redirected } = parseCommandLine(line);
    if (words[0] === 'echo' && !redirected) output += echoOutput(words.slice(1));
  }
  if (output === '') return [];
  return output.replace(/\n$/, '').split('\n');
}

function isShellScript(userData: string): boolean {
  return /^#!\/bin\/(ba)?sh\b/.test(userData);
}

/** The lines cloud-init prints during this boot, in order (console and log alike). */
export function runCloudInit(spec: GuestSpec, now: Date): string[] {
  const at = now.toUTCString().replace('GMT', '+0000');
  const lines = [`${VERSION} running 'modules:final' at ${at}. Up 5.02 seconds.`];
  // Empty user data is no user data.
  const userData = spec.firstBoot && spec.userData ? spec.userData : null;
  if (userData !== null && isShellScript(userData)) {
    lines.push(...runScript(userData));
  } else if (userData !== null) {
    const kind = userData.split('\n', 1)[0]?.slice(0, 40) ?? '';
    lines.push(`Received user data: ${Buffer.byteLength(userData)} bytes (${kind}); not a shell script, not run.`);
  }
  lines.push(`${VERSION} finished at ${at}. Up 5.31 seconds`);
  return lines;
}
