/**
 * What a Debian-like cloud guest prints on its console while booting, filled in from the spec so
 * a user watching the console can check the configuration they asked for (vCPUs, memory, host
 * name, MTU) took effect.
 */
import type { GuestSpec } from '../../core/compute.js';

export const KERNEL_RELEASE = '6.1.0-18-amd64';
export const KERNEL_VERSION = '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)';

// systemd's status marker: green "OK" in brackets.
export const OK = '[  \x1b[32mOK\x1b[0m  ]';

function kernel(seconds: number, message: string): string {
  return `[${seconds.toFixed(6).padStart(12)}] ${message}`;
}

/** The console lines from power-on to just before the login prompt; `cloudInit` goes near the end. */
export function bootMessages(spec: GuestSpec, cloudInit: string[]): string[] {
  const totalKiB = spec.memoryMiB * 1024;
  // The kernel keeps some memory for itself; roughly what a 6.1 kernel reports as unavailable.
  const availableKiB = totalKiB - Math.min(Math.round(totalKiB * 0.05), 120_000);
  return [
    kernel(0, `Linux version ${KERNEL_RELEASE} (debian-kernel@lists.debian.org) ${KERNEL_VERSION}`),
    kernel(0, `Command line: BOOT_IMAGE=/boot/vmlinuz-${KERNEL_RELEASE} root=/dev/vda1 ro console=tty0`),
    kernel(0, 'Hypervisor detected: KVM'),
    kernel(0.004, `Memory: ${availableKiB}K/${totalKiB}K available`),
    kernel(0.012, `smpboot: Allowing ${spec.vcpus} CPUs, 0 hotplug CPUs`),
    kernel(0.131, `smp: Brought up 1 node, ${spec.vcpus} CPUs`),
    kernel(0.402, `virtio_net virtio0 eth0: link up, mtu ${spec.mtu}`),
    kernel(0.873, 'EXT4-fs (vda1): mounted filesystem with ordered data mode.'),
    kernel(1.104, `systemd[1]: Set hostname to <${spec.hostName}>.`),
    `${OK} Started systemd-journald.service - Journal Service.`,
    `${OK} Reached target network.target - Network.`,
    `${OK} Started ssh.service - OpenBSD Secure Shell server.`,
    ...cloudInit,
    `${OK} Reached target multi-user.target - Multi-User System.`,
  ];
}

/** /etc/issue as getty shows it above the login prompt. */
export function issue(spec: GuestSpec): string {
  return `${spec.imageName} ${spec.hostName} tty1`;
}
