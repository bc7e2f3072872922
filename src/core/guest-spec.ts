import type { Catalog } from './catalog.js';
import type { GuestSpec } from './compute.js';
import type { GuestConfig, Instance } from './model.js';
import type { SecretBox } from './secrets.js';

export const MTU_STANDARD = 1500;
export const MTU_JUMBO = 8500;

/** The configuration an instance's guest would get if it booted through the API now. */
export function acceptedGuestConfig(instance: Instance): GuestConfig {
  return {
    hostName: instance.hostName,
    passwordHash: instance.passwordHash,
    vncPasswordSealed: instance.vncPasswordSealed,
    mtu: instance.enableJumboFrame ? MTU_JUMBO : MTU_STANDARD,
  };
}

export interface PendingChange {
  attribute: 'HostName' | 'Password' | 'VncPassword' | 'MTU';
  appliesOn: string;
}

const API_RESTART = 'restart through the API (RebootInstance, or StopInstance then StartInstance)';

/**
 * What the API has accepted but the guest does not have yet: derived, never stored, so it cannot
 * disagree with the instance.
 */
export function pendingChanges(instance: Instance): PendingChange[] {
  if (!instance.guest) return [];
  const accepted = acceptedGuestConfig(instance);
  const changes: PendingChange[] = [];
  if (accepted.hostName !== instance.guest.hostName) changes.push({ attribute: 'HostName', appliesOn: API_RESTART });
  if (accepted.passwordHash !== instance.guest.passwordHash)
    changes.push({ attribute: 'Password', appliesOn: API_RESTART });
  if (accepted.vncPasswordSealed !== instance.guest.vncPasswordSealed)
    changes.push({ attribute: 'VncPassword', appliesOn: API_RESTART });
  if (accepted.mtu !== instance.guest.mtu) changes.push({ attribute: 'MTU', appliesOn: API_RESTART });
  return changes;
}

export function guestSpec(instance: Instance, catalog: Catalog, secrets: SecretBox): GuestSpec {
  const guest = instance.guest ?? acceptedGuestConfig(instance);
  const type = catalog.instanceTypes.find((t) => t.instanceTypeId === instance.instanceType);
  const image = catalog.images.find((i) => i.imageId === instance.imageId);
  return {
    instanceId: instance.instanceId,
    osType: instance.osType,
    hostName: guest.hostName,
    adminPasswordHash: guest.passwordHash,
    vncPassword: guest.vncPasswordSealed ? secrets.open(guest.vncPasswordSealed) : null,
    userData: instance.userData ? Buffer.from(instance.userData, 'base64').toString('utf8') : null,
    firstBoot: instance.bootCount <= 1,
    mtu: guest.mtu,
    vcpus: instance.cpuOptions.coreCount * instance.cpuOptions.threadsPerCore,
    memoryMiB: (type?.memoryGiB ?? 1) * 1024,
    imageName: image?.osNameEn ?? instance.imageId,
  };
}
