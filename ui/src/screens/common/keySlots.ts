import type { Region } from '../../api/types';

// The vault names a key's slot after the region's id (crates/bailian region.rs) or `ws:<id>` for a
// workspace (crates/vault Slot::parse); the UI's short region names are only for people.
const REGION_SLOTS: Record<Region, string> = {
  beijing: 'cn-beijing',
  singapore: 'ap-southeast-1',
  virginia: 'us-east-1',
};

export const REGIONS = Object.keys(REGION_SLOTS) as Region[];

/** What Slot::parse accepts after `ws:`. */
const WORKSPACE_ID = /^[A-Za-z0-9._-]{1,120}$/;

export function isWorkspaceId(text: string): boolean {
  return WORKSPACE_ID.test(text.trim());
}

export function slotFor(region: Region, workspaceId: string | null = null): string {
  const workspace = workspaceId?.trim();
  return workspace ? `ws:${workspace}` : REGION_SLOTS[region];
}

export type SlotTarget = { kind: 'region'; region: Region } | { kind: 'workspace'; id: string } | { kind: 'other' };

export function slotTarget(slot: string): SlotTarget {
  const base = slot.split('@')[0];
  if (base.startsWith('ws:')) return { kind: 'workspace', id: base.slice(3) };
  const region = REGIONS.find((r) => REGION_SLOTS[r] === base);
  return region ? { kind: 'region', region } : { kind: 'other' };
}
