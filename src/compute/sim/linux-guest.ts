/**
 * The simulated Linux guest: boot messages, a getty login for root checked against the spec's
 * password hash, and a tiny shell (see shell.ts) including an interactive passwd that changes the
 * password in guest memory only.
 */
import { encrypt } from 'unixcrypt';
import type { GuestEvent } from '../../core/compute.js';
import { bootMessages, issue, KERNEL_RELEASE, KERNEL_VERSION, OK } from './boot-log.js';
import { runCloudInit } from './cloud-init.js';
import { Guest } from './guest.js';
import { LineEditor, type LineEvent } from './line-editor.js';
import { runCommand } from './shell.js';

type State = 'booting' | 'login' | 'password' | 'shell' | 'new-password' | 'retype-password';

const PASSWD_FAILED = 'passwd: Authentication token manipulation error\npasswd: password unchanged\n';

export class LinuxGuest extends Guest {
  private state: State = 'booting';
  private readonly editor = new LineEditor(
    (text) => this.write(text),
    (event) => this.handle(event),
  );
  private user = '';
  private newPassword = '';
  private cloudInitLog: string[] = [];

  protected bootSteps(): Array<() => void> {
    this.cloudInitLog = runCloudInit(this.spec, new Date());
    return [
      ...bootMessages(this.spec, this.cloudInitLog).map((line) => () => this.write(`${line}\n`)),
      () => {
        this.showGetty();
        this.markReady();
      },
    ];
  }

  protected input(data: string): void {
    // Typing during boot is lost, as nothing reads the console until getty starts.
    if (this.state !== 'booting') this.editor.feed(data);
  }

  protected shutdownMessage(event: GuestEvent): string {
    const last = event === 'reboot' ? 'reboot: Restarting system' : 'reboot: Power down';
    return [
      '',
      `${OK} Stopped ssh.service - OpenBSD Secure Shell server.`,
      `${OK} Stopped target multi-user.target - Multi-User System.`,
      `${OK} Finished systemd-${event === 'reboot' ? 'reboot' : 'poweroff'}.service.`,
      `[   42.000000] ${last}`,
      '',
    ].join('\n');
  }

  private handle(event: LineEvent): void {
    switch (this.state) {
      case 'login':
        return this.onLogin(event);
      case 'password':
        return this.onPassword(event);
      case 'shell':
        return this.onShell(event);
      case 'new-password':
      case 'retype-password':
        return this.onPasswd(event);
      case 'booting':
        return;
    }
  }

  /**
   * Shows /etc/issue and the login prompt, as agetty does. Debian runs it with --noclear on tty1,
   * so the boot messages stay visible above.
   */
  private showGetty(): void {
    this.write(`\n${issue(this.spec)}\n\n`);
    this.loginPrompt();
  }

  private loginPrompt(): void {
    this.state = 'login';
    this.write(`${this.spec.hostName} login: `);
  }

  private onLogin(event: LineEvent): void {
    if (event.kind !== 'line' || event.text.trim() === '') return this.loginPrompt();
    this.user = event.text.trim();
    this.state = 'password';
    this.editor.echo = false;
    this.write('Password: ');
  }

  private onPassword(event: LineEvent): void {
    this.editor.echo = true;
    // login asks for a password even for unknown users, so as not to reveal which exist.
    if (event.kind === 'line' && this.user === 'root' && this.passwordMatches(event.text)) {
      this.write(`Linux ${this.spec.hostName} ${KERNEL_RELEASE} ${KERNEL_VERSION} x86_64\n\n`);
      return this.shellPrompt();
    }
    this.write('\nLogin incorrect\n');
    this.loginPrompt();
  }

  private shellPrompt(): void {
    this.state = 'shell';
    this.write(`root@${this.spec.hostName}:~# `);
  }

  private onShell(event: LineEvent): void {
    if (event.kind === 'interrupt') return this.shellPrompt();
    if (event.kind === 'eof') return this.logout();
    const { output, outcome } = runCommand(event.text, {
      spec: this.spec,
      cloudInitLog: this.cloudInitLog,
    });
    this.write(output);
    switch (outcome) {
      case 'continue':
        return this.shellPrompt();
      case 'logout':
        return this.logout();
      case 'passwd':
        this.state = 'new-password';
        this.editor.echo = false;
        return this.write('New password: ');
      case 'reboot':
      case 'poweroff':
        return this.powerDown(outcome);
    }
  }

  private logout(): void {
    this.write('logout\n');
    this.showGetty();
  }

  private onPasswd(event: LineEvent): void {
    if (event.kind !== 'line') return this.endPasswd('');
    if (this.state === 'new-password') {
      if (event.text === '') return this.endPasswd(`No password has been supplied.\n${PASSWD_FAILED}`);
      this.newPassword = event.text;
      this.state = 'retype-password';
      return this.write('Retype new password: ');
    }
    if (event.text !== this.newPassword) {
      return this.endPasswd(`Sorry, passwords do not match.\n${PASSWD_FAILED}`);
    }
    this.passwordHash = encrypt(this.newPassword);
    this.endPasswd('passwd: password updated successfully\n');
  }

  private endPasswd(message: string): void {
    this.newPassword = '';
    this.editor.echo = true;
    this.write(message);
    this.shellPrompt();
  }
}
